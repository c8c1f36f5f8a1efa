"""Reading a policy file (TOML text) into a validated `Policy`, or one error listing every
problem by its path in the file (`rules.conduct.lexicons.threat.ja[3]: ...`). A file must
state its articles and instructions in Japanese and English."""

import tomllib
from collections.abc import Sequence

from pydantic import ValidationError

from services.policy.domain.errors import PolicyFileError, PolicyProblem
from services.policy.domain.policy import Policy


def load_policy(text: str) -> Policy:
    """Parse and validate a policy file; raises `PolicyFileError` with every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError((PolicyProblem("(file)", f"not valid TOML: {error}"),)) from None
    try:
        policy = Policy.model_validate(data)
    except ValidationError as error:
        problems = tuple(
            PolicyProblem(_path(detail["loc"]), _message(detail["msg"]))
            for detail in error.errors(include_url=False)
        )
        raise PolicyFileError(problems) from None
    # A file is read by people and its decisions cite it: it states what older versions
    # (loaded again from their canonical form, not through here) could leave out.
    if problems := tuple(
        PolicyProblem(key, f"missing: {what} in ja and en are required")
        for key, what in _REQUIRED_TEXTS.items()
        if key not in data
    ):
        raise PolicyFileError(problems)
    return policy


_REQUIRED_TEXTS = {
    "articles": "each cited article's title and summary",
    "instructions": "each action's instruction to the agent",
}


def _path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " (key)"  # pydantic's marker: the dict key itself is wrong
        else:
            path += f".{part}" if path else part
    return path or "(file)"


def _message(message: str) -> str:
    return message.removeprefix("Value error, ")
