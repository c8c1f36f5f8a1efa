"""The check every error test ends with: no personal value in the message, repr or traceback."""

import traceback
from collections.abc import Iterable


def assert_mentions_none(error: BaseException, values: Iterable[str]) -> None:
    # The traceback counts: loggers print chained causes, which might quote the payload.
    rendered = "".join(traceback.format_exception(error)) + repr(error) + str(error)
    for value in values:
        assert value not in rendered, "an error text carries a personal value"
