"""B12: server time of the console's case page (`GET /cases/{id}`, the timeline included: it is
one page) for a case of 10,000 events, against the same page for a 10-event case, both in one
embedded system and one console signed in as legal, each request timed inside the console.

The page reads records' case and timeline routes over HTTP with legal's token, as a browser's
visit does. Both cases start as real cases (intake's HTTP API, policy's decisions); the long one
is then filled with copies of the short one's contacts and decisions (bench/console/seeding.py).
"""

from dataclasses import dataclass, replace

from bench.console.seeding import decided_case, lengthen
from bench.console.server_clock import percentile
from bench.console.stack import console_stack
from bench.console.timed import P50, Route, Timings
from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from shared.auth.roles import Role

SHORT_EVENTS = 10
CONTACTS = 4  # of each real case: up to 2 + 2 * 4 = 10 events once decided


@dataclass(frozen=True)
class Size:
    long_events: int
    requests: int  # per case over the run
    warm_up: int


QUICK = Size(long_events=300, requests=15, warm_up=2)
FULL = Size(long_events=10_000, requests=200, warm_up=5)


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    folder = context.scratch / "b12"
    folder.mkdir(parents=True, exist_ok=True)
    context.report_status("B12 starting the embedded services and the console")
    async with console_stack(folder, Role.LEGAL) as stack:
        context.report_status("B12 seeding the cases")
        short = await decided_case(stack, "b12-short", CONTACTS)
        long = await decided_case(stack, "b12-long", CONTACTS)
        await lengthen(stack.records, short.case_id, short.case_id, SHORT_EVENTS)
        await lengthen(stack.records, short.case_id, long.case_id, size.long_events)
        pages = {
            name: Route(stack.console, f"/cases/{case_id}", stack.console_clock)
            for name, case_id in (("long", long.case_id), ("short", short.case_id))
        }
        timings = Timings(context, size.requests, size.warm_up)
        await timings.warm(*pages.values())
        stack.services_clock.clear()
        await context.repeat(
            "B12 case page",
            {name: timings.trial(name, page) for name, page in pages.items()},
        )
        records_reads = [
            f"records' {route} p50 {percentile(times, P50):.1f} ms"
            for route, path in (
                ("case", f"/records/v1/cases/{long.case_id}"),
                ("timeline", f"/records/v1/cases/{long.case_id}/timeline"),
            )
            if (times := stack.services_clock.taken(path))
        ]
    figures = timings.figures(
        "B12",
        f"console case page of a {size.long_events:,}-event case, legal",
        "long",
        f"the same page of a {SHORT_EVENTS}-event case, same system and console",
        "short",
        (Target("<=", 500, "ms"), Target("<=", 1000, "ms")),
        {
            "events": size.long_events,
            "baseline_events": SHORT_EVENTS,
            "runtime": "embedded services (SQLite, embedded bus) and the console, over HTTP",
        },
    )
    reads = ", ".join(records_reads)
    note = f"B12: of the long page's time, the reads it makes of records: {reads}"
    figures[-1] = replace(figures[-1], notes=(*figures[-1].notes, note))
    return figures


BENCHMARK = Benchmark("B12", "console: the case page of a long case", run)
