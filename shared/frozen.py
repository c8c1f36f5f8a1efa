"""The base of caselog's value objects: pydantic models that cannot change once built and
refuse fields they do not declare (a misspelt field is an error, never silently dropped)."""

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """An immutable model that forbids undeclared fields; hashable, so usable as a key."""

    model_config = ConfigDict(extra="forbid", frozen=True)
