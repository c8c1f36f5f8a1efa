"""The results of a run as JSON (everything, samples included) and as a Markdown table."""

from typing import Any

from bench.figures import DASH, TIMES, Figure
from bench.harness import Failure, Pending


def document(
    run: dict[str, Any],
    machine: dict[str, Any],
    versions: dict[str, str],
    figures: list[Figure],
    pending: tuple[Pending, ...],
    failures: list[Failure],
    seconds: dict[str, float],
) -> dict[str, Any]:
    return {
        "run": run,
        "machine": machine,
        "versions": versions,
        "figures": [figure.as_dict() for figure in figures],
        "not_yet_measured": [vars(item) for item in pending],
        "failures": [vars(failure) for failure in failures],
        "seconds": seconds,
    }


def markdown(doc: dict[str, Any]) -> str:
    run, machine, versions = doc["run"], doc["machine"], doc["versions"]
    lines = [
        f"# caselog benchmarks: {run['started_at']} ({run['mode']} run, {run['seconds']:.0f} s)",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}",
        _load(run),
        "- Versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()),
        f"- Each figure: median of {run['repetitions']} repetitions (min{DASH}max); "
        "ratio = caselog median / baseline median, both measured in this run. Targets are "
        "the issues' aims (9; 17 for B12, B13, with our own p50 aims); "
        "nothing asserts them.",
        "",
        "| id | measure | unit | caselog | baseline | baseline figure | ratio | target | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    notes: list[str] = []
    for figure in doc["figures"]:
        marks = ""
        for note in figure["notes"]:
            notes.append(note)
            marks += f" [{len(notes)}]"
        met = {True: "yes", False: "no", None: "—"}[figure["meets_target"]]
        baseline = figure["baseline"]
        lines.append(
            f"| {figure['id']} | {figure['name']}{marks} | {figure['unit']} "
            f"| {_spread(figure['caselog'])} | {baseline['name'] if baseline else '—'} "
            f"| {_spread(baseline) if baseline else '—'} | {_ratio(figure['ratio'])} "
            f"| {figure['target'] or '—'} | {met} |"
        )
    lines += ["", *(f"[{number}] {note}  " for number, note in enumerate(notes, 1))]
    lines += ["", "Parameters:", ""]
    seen: set[tuple[str, str]] = set()
    for figure in doc["figures"]:
        text = ", ".join(f"{key} {value}" for key, value in figure["parameters"].items())
        if text and (figure["id"], text) not in seen:
            seen.add((figure["id"], text))
            lines.append(f"- {figure['id']}: {text}")
    if doc["not_yet_measured"]:
        lines += ["", "Not yet measured:", ""]
        lines += [
            f"- {item['key']} {item['title']}: {item['reason']}" for item in doc["not_yet_measured"]
        ]
    if doc["failures"]:
        lines += ["", "Failed in this run:", ""]
        lines += [f"- {item['key']} {item['title']}: {item['error']}" for item in doc["failures"]]
    timings = ", ".join(f"{key} {value:.0f} s" for key, value in doc["seconds"].items())
    lines += ["", f"Time per benchmark: {timings}.", ""]
    return "\n".join(lines)


def _load(run: dict[str, Any]) -> str:
    load = run.get("load_average_1_5_15_min")
    if load is None:  # results written before the load was recorded
        return "- Load average: not recorded"
    start, end = (", ".join(f"{value:g}" for value in load[moment]) for moment in ("start", "end"))
    return f"- Load average (1, 5, 15 min): {start} at the start, {end} at the end"


def _spread(values: dict[str, Any]) -> str:
    return f"{_number(values['median'])} ({_number(values['min'])}{DASH}{_number(values['max'])})"


def _ratio(value: float | None) -> str:
    if value is None:
        return "—"
    # Two significant digits below 0.1, so a small ratio never reads as zero.
    return f"{value:.2f}{TIMES}" if value >= 0.1 else f"{value:.2g}{TIMES}"


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
