"""B13: server time of case search with 100,000 cases in records' case index: records'
`GET /v1/cases` by ticket, by a day's range, by outcome, by state, newest first (page 1 and a
page in the middle), and the console's `/search` page; against the same queries over 1,000
cases, both systems running at once and measured in turn.

Each system is the embedded runtime and its console (legal); the index is filled in bulk through
its adapter (`SqlCaseIndex.insert_views`) with cases made from one real case's fold
(bench/console/index_rows.py), beside that real case, which the index folded from the log.
"""

from dataclasses import dataclass
from datetime import timedelta

from bench.console.index_rows import Probes, case_views
from bench.console.seeding import decided_case, folded_view
from bench.console.stack import ConsoleStack, console_stack
from bench.console.timed import Route, Timings
from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from shared.auth.roles import Role

PER_PAGE = 25


@dataclass(frozen=True)
class Size:
    cases: int
    baseline_cases: int
    requests: int  # per query and size over the run
    warm_up: int


QUICK = Size(cases=3_000, baseline_cases=100, requests=15, warm_up=2)
FULL = Size(cases=100_000, baseline_cases=1_000, requests=200, warm_up=5)
QUERIES = ("ticket", "day", "outcome", "state", "newest", "middle page", "console")


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    folder = context.scratch / "b13"
    context.report_status("B13 starting two embedded systems and their consoles")
    async with (
        console_stack(folder / "large", Role.LEGAL) as large,
        console_stack(folder / "small", Role.LEGAL) as small,
    ):
        context.report_status(f"B13 filling the case index with {size.cases:,} cases")
        routes = {
            "large": _routes(large, await _filled(large, size.cases), size.cases),
            "small": _routes(small, await _filled(small, size.baseline_cases), size.baseline_cases),
        }
        timings = Timings(context, size.requests, size.warm_up)
        for by_query in routes.values():
            await timings.warm(*by_query.values())
        trials = {
            f"{system} {query}": timings.trial(f"{system} {query}", route)
            for query in QUERIES
            for system, route in ((system, routes[system][query]) for system in routes)
        }
        await context.repeat("B13 search", trials)
    figures: list[Figure] = []
    for query in QUERIES:
        where = "the console's /search page" if query == "console" else "records GET /v1/cases"
        rows = timings.figures(
            "B13",
            f"{where}, {_described(query)}, {size.cases:,} cases",
            f"large {query}",
            f"the same query over {size.baseline_cases:,} cases",
            f"small {query}",
            (Target("<=", 50, "ms"), Target("<=", 200, "ms")),
            {
                "cases": size.cases,
                "baseline_cases": size.baseline_cases,
                "index": "SQLite (embedded runtime), bulk-inserted through SqlCaseIndex",
                "per_page": PER_PAGE,
            },
        )
        figures += rows
    return figures


async def _filled(stack: ConsoleStack, cases: int) -> Probes:
    """`cases` in the index: one real case through the pipeline, the rest made from its fold."""
    real = await decided_case(stack, "b13-template", contacts=1)
    template = await folded_view(stack.records, real.case_id)
    views, probes = case_views(template, cases - 1)
    await stack.case_index.insert_views(views)
    return probes


def _routes(stack: ConsoleStack, probes: Probes, cases: int) -> dict[str, Route]:
    legal = stack.headers(Role.LEGAL)
    day = {
        "opened_from": probes.day.isoformat(),
        "opened_to": (probes.day + timedelta(days=1)).isoformat(),
    }
    middle = str(max(1, cases // 2 // PER_PAGE))
    api: dict[str, dict[str, str]] = {
        "ticket": {"ticket": probes.ticket},
        "day": day,
        "outcome": {"outcome": "escalate"},
        "state": {"state": "held"},
        "newest": {},
        "middle page": {"page": middle},
    }
    routes = {
        query: Route(
            stack.api,
            "/records/v1/cases",
            stack.services_clock,
            {**params, "per_page": str(PER_PAGE)},
            legal,
        )
        for query, params in api.items()
    }
    routes["console"] = Route(stack.console, "/search", stack.console_clock)
    return routes


def _described(query: str) -> str:
    return {
        "ticket": "by ticket id",
        "day": "one day's range, newest first",
        "outcome": "outcome escalate (8%), newest first",
        "state": "state held (1%), newest first",
        "newest": "everything, newest first, page 1",
        "middle page": "everything, newest first, the middle page",
        "console": "nothing narrowed (newest first, page 1)",
    }[query]


BENCHMARK = Benchmark("B13", "search: 100,000 cases", run)
