"""The console's two languages: which one a request gets, and every text a page shows."""

from typing import Literal

Language = Literal["ja", "en"]
LANGUAGES: tuple[Language, ...] = ("ja", "en")
DEFAULT_LANGUAGE: Language = "en"


def negotiate(chosen: str | None, accept_language: str | None) -> Language:
    """The user's choice (the language switch) wins; else the best of Accept-Language."""
    if chosen in LANGUAGES:
        return chosen
    best: tuple[float, Language] | None = None
    for item in (accept_language or "").split(","):
        tag, _, parameters = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        weight = 1.0
        if parameters.strip().startswith("q="):
            try:
                weight = float(parameters.strip()[2:])
            except ValueError:
                continue
        if best is None or weight > best[0]:
            best = (weight, primary)
    return best[1] if best else DEFAULT_LANGUAGE
