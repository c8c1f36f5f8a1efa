"""`python -m bench [--quick] [--only B1,B4]`: run the benchmarks, write and print the results."""

import argparse
import sys
from pathlib import Path

from bench.running import run

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: under a minute")
    parser.add_argument("--only", help="comma-separated ids, e.g. B1,B4 (default: all)")
    parser.add_argument("--repetitions", type=int, help="per figure (default: 3 quick, 5 full)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument(
        "--intake-bus",
        choices=("embedded", "kafka"),
        default="embedded",
        help="B3's intake bus; embedded keeps the shared broker's caselog.intake topic clean",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)
    only = {key.strip().upper() for key in args.only.split(",")} if args.only else None
    repetitions = args.repetitions or (3 if args.quick else 5)
    if repetitions < 3:
        parser.error("a figure is the median of at least 3 repetitions")
    return run(
        quick=args.quick,
        only=only,
        repetitions=repetitions,
        results_dir=args.results_dir,
        intake_bus=args.intake_bus,
        progress=not args.no_progress,
    )


if __name__ == "__main__":
    sys.exit(main())
