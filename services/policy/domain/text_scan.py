"""One pass over a consultation's free text: conduct hits per category, legitimate-complaint
phrases, recording-publication statements and confidentiality markers."""

from collections.abc import Callable
from dataclasses import dataclass

from services.policy.domain.facts import ConsultationFacts
from services.policy.domain.lexicon import Document, Hit, Lexicon, covered_by
from services.policy.domain.money import Amount, amounts
from services.policy.domain.patterns import AMOUNT_PART, Sentences, combined, sentence_key
from services.policy.domain.policy import Policy


@dataclass(frozen=True)
class TextFindings:
    """Hits that survived the benign-phrase and legitimate-complaint shields, and those that
    the guard shielded (kept to show what it did)."""

    conduct: dict[str, list[Hit]]
    publication: list[Hit]
    complaint: dict[str, list[Hit]]
    shielded: dict[str, list[Hit]]
    confidential: list[Hit]
    publication_category: str
    amounts: list[Amount]
    sentence_of: Callable[[Hit], tuple[str, int]]

    def conduct_categories(self) -> set[str]:
        found = {category for category, hits in self.conduct.items() if hits}
        if self.publication:
            found.add(self.publication_category)
        return found


def documents(consultation: ConsultationFacts) -> list[Document]:
    """The free-text fields policy may read; identity fields are never among them."""
    details = consultation.demand.details if consultation.demand else None
    fields = (("subject", consultation.subject), ("body", consultation.body), ("details", details))
    return [Document.of(field, text) for field, text in fields if text]


def _find(lexicon: Lexicon, docs: list[Document]) -> list[Hit]:
    return [hit for doc in docs for hit in lexicon.find(doc)]


def scan(consultation: ConsultationFacts, policy: Policy) -> TextFindings:
    rules = policy.rules
    docs = documents(consultation)
    benign = _find(rules.conduct.benign, docs)
    complaint = {
        kind: _find(lex, docs) for kind, lex in sorted(rules.legitimate_complaint.phrases.items())
    }
    in_benign = covered_by(benign)
    in_complaint = covered_by(hit for hits in complaint.values() for hit in hits)
    unshieldable = set(rules.legitimate_complaint.cannot_shield)

    def surviving(category: str, hits: list[Hit]) -> tuple[list[Hit], list[Hit]]:
        hits = [hit for hit in hits if not in_benign(hit)]
        if category in unshieldable:
            return hits, []
        return [h for h in hits if not in_complaint(h)], [h for h in hits if in_complaint(h)]

    conduct: dict[str, list[Hit]] = {}
    shielded: dict[str, list[Hit]] = {}
    for category, lexicon in sorted(rules.conduct.lexicons.items()):
        conduct[category], shielded[category] = surviving(category, _find(lexicon, docs))
    found_amounts = [amount for doc in docs for amount in amounts(doc)]
    where = sentence_key({doc.field: Sentences.of(doc) for doc in docs})
    if (patterns := rules.conduct.patterns) is not None:
        parts = {
            name: [hit for hit in _find(lexicon, docs) if not in_benign(hit)]
            for name, lexicon in sorted(patterns.parts.items())
        }
        parts[AMOUNT_PART] = [amount.hit for amount in found_amounts]
        for category, hits in combined(patterns, parts, complaint, where).items():
            conduct[category] = sorted(set(conduct.get(category, []) + hits))
    counts_as = rules.recording.publication_counts_as
    publication, dropped = surviving(counts_as, _find(rules.recording.publication, docs))
    shielded[counts_as] = sorted(shielded[counts_as] + dropped)
    return TextFindings(
        conduct=conduct,
        publication=publication,
        complaint=complaint,
        shielded={category: hits for category, hits in shielded.items() if hits},
        confidential=_find(rules.confidentiality.markers, docs),
        publication_category=counts_as,
        amounts=found_amounts,
        sentence_of=where,
    )
