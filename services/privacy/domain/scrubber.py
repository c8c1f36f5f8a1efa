"""Free text made fit for business use: the subject's own values first, then anything personal
by its shape, other people's names, and dates down to the month."""

from collections.abc import Callable

from services.privacy.domain.own_values import OwnValues, own_patterns
from services.privacy.domain.patterns import coarsen_dates, remove_by_shape
from services.privacy.domain.person_names import PersonNameDetector, PersonNameRules
from services.privacy.domain.text_forms import folded

Scrub = Callable[[str], str]


class Scrubber:
    """Built once from the rules; `for_subject` gives the scrub of one subject's case."""

    def __init__(self, person_names: PersonNameRules) -> None:
        self._people = PersonNameDetector(person_names)

    def for_subject(self, own: OwnValues) -> Scrub:
        patterns = own_patterns(own)

        def scrub(text: str) -> str:
            # Folded first, so full-width and half-width forms meet one pattern each.
            text = patterns.remove(folded(text))
            text = self._people.remove(remove_by_shape(text))
            return coarsen_dates(text)

        return scrub
