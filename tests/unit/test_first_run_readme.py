"""The README's first screen stays true to `caselog run` (issue #17, item 11): the lines it
quotes are the ones the code prints, and every option in its settings table exists."""

import re
from pathlib import Path

import pytest

from services.runtime.cli import parser
from services.runtime.demo import DEMOS
from services.runtime.serving import port_in_use

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = README[: README.index("## Two runtimes, one code path")]


def unwrapped(text: str) -> str:
    return " ".join(text.split())


def test_the_busy_port_line_is_quoted_as_printed() -> None:
    assert f"`{port_in_use('127.0.0.1', 8000)}`" in unwrapped(FIRST_SCREEN)


def test_every_demo_is_counted_as_the_readme_says() -> None:
    assert f"loaded {len(DEMOS)} demo consultations" in unwrapped(FIRST_SCREEN)
    assert any(demo.what in unwrapped(FIRST_SCREEN) for demo in DEMOS)


@pytest.mark.parametrize("option", sorted(set(re.findall(r"`(--[a-z-]+)", FIRST_SCREEN))))
def test_every_option_the_first_screen_names_is_an_option_of_caselog_run(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["run", "--help"])
    assert re.search(rf"^  {option}\b", capsys.readouterr().out, re.MULTILINE)
