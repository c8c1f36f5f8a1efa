"""What a test does when real infrastructure is missing: skip, or fail where it is required."""

from typing import NoReturn

import pytest

from tests.support.infra import infra_required


def missing_infrastructure(message: str) -> NoReturn:
    """Fail with CASELOG_REQUIRE_INFRA=1 (CI: a missing broker is never a skip), else skip."""
    if infra_required():
        pytest.fail(message + " (CASELOG_REQUIRE_INFRA=1)", pytrace=False)
    pytest.skip(message)
