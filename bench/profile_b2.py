"""`uv run --frozen --with py-spy python -m bench.profile_b2`: B2's backlog with py-spy sampling
each service process; writes bench/profiles/<service>.txt (the costliest functions) and the raw
stacks beside the scratch folder. Not part of `make bench`: sampling slows what it watches."""

import argparse
import asyncio
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import uvloop

from bench.infra import Infrastructure
from bench.pipeline.deployments import Pipeline, distributed
from bench.pipeline.load import backlog
from bench.pipeline.stacks import summarize
from shared.logs import configure_logging
from shared.settings import load_settings

PROFILES = Path(__file__).resolve().parent / "profiles"
WARM_UP = 30
SAMPLES_PER_S = 100


async def profile(count: int, scratch: Path, native: bool) -> dict[str, Path]:
    infrastructure = Infrastructure()
    try:
        async with distributed(infrastructure, scratch / "deployment") as pipeline:
            await backlog(pipeline, WARM_UP)
            return await _sampled(pipeline, count, scratch, native)
    finally:
        infrastructure.close()


async def _sampled(pipeline: Pipeline, count: int, scratch: Path, native: bool) -> dict[str, Path]:
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        raise SystemExit("py-spy is not installed: run with `uv run --frozen --with py-spy ...`")
    raws = {name: scratch / f"{name}.raw" for name in pipeline.pids}
    # --native shows C extensions' frames (uvloop, asyncpg), but must pause the process.
    mode = "--native" if native else "--nonblocking"
    samplers = [
        await asyncio.create_subprocess_exec(
            *(py_spy, "record", "--pid", str(pid), "--rate", str(SAMPLES_PER_S), mode),
            *("--format", "raw", "--output", str(raws[name])),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for name, pid in pipeline.pids.items()
    ]
    await asyncio.sleep(1.0)  # py-spy attaches
    rate = await backlog(pipeline, count)
    for sampler in samplers:
        sampler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    for sampler in samplers:
        await sampler.wait()
    print(f"profiled backlog: {count} consultations at {rate:.1f}/s", file=sys.stderr)
    return raws


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_b2", description=__doc__)
    parser.add_argument("--consultations", type=int, default=300)
    parser.add_argument("--native", action="store_true", help="C extensions' frames too")
    args = parser.parse_args()
    configure_logging(load_settings(service_name="bench", log_level="WARNING"))
    scratch = Path(tempfile.mkdtemp(prefix="caselog-profile-"))
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        raws = runner.run(profile(args.consultations, scratch, args.native))
    PROFILES.mkdir(exist_ok=True)
    suffix = "-native" if args.native else ""
    for name, raw in raws.items():
        title = f"{name} during B2's backlog of {args.consultations} consultations{suffix}"
        (PROFILES / f"{name}{suffix}.txt").write_text(summarize(raw).table(title))
        print(f"wrote {PROFILES / name}{suffix}.txt (raw stacks: {raw})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
