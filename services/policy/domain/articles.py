"""The guideline's articles and the agent's instructions as the policy file states them, in
Japanese and English: what a reason cites (its article's title) and what an action asks of the
agent. A rule cites one article or several (`art. 4, art. 5`); every one cited must be stated."""

from collections.abc import Iterable, Mapping

from pydantic import Field

from services.policy.domain.catalogue import Action
from shared.contracts.policy import ArticleTitle, Instruction
from shared.frozen import FrozenModel


class Bilingual(FrozenModel):
    """Text people read, in both languages the guideline is kept in."""

    en: str = Field(min_length=1)
    ja: str = Field(min_length=1)


class Article(FrozenModel):
    title: Bilingual
    summary: Bilingual


def cited_articles(citation: str) -> tuple[str, ...]:
    """The article ids of a rule's citation: `art. 4, art. 5` cites `art. 4` and `art. 5`."""
    return tuple(part.strip() for part in citation.split(",") if part.strip())


def missing_articles(citations: Iterable[str], articles: Mapping[str, Article]) -> list[str]:
    """The article ids cited but not stated, each once, in order of first citation."""
    cited = dict.fromkeys(a for citation in citations for a in cited_articles(citation))
    return [article for article in cited if article not in articles]


def titles_of(citation: str, articles: Mapping[str, Article]) -> tuple[ArticleTitle, ...]:
    return tuple(
        ArticleTitle(article=a, en=articles[a].title.en, ja=articles[a].title.ja)
        for a in cited_articles(citation)
    )


def instructions_for(
    actions: Iterable[Action], instructions: Mapping[Action, Bilingual]
) -> tuple[Instruction, ...]:
    return tuple(
        Instruction(action=a, en=instructions[a].en, ja=instructions[a].ja) for a in actions
    )
