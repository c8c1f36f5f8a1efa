"""Privacy's unit tests; the shared checks in `batches` report their assertions in full."""

import pytest

pytest.register_assert_rewrite("tests.unit.privacy.batches")
