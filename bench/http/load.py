"""B3's load generator, run as its own process: keep-alive HTTP/1.1 connections to 127.0.0.1
posting JSON as fast as the server answers, bounded in time and count; prints one JSON line.

Plain asyncio streams on uvloop, not an HTTP client library: on a small machine a client's own
cost per request would cap the bare baseline and so flatter intake's ratio.

Run: BENCH_TOKEN=... python -m bench.http.load --port P --body FILE --prefix ID [options]
"""

import argparse
import asyncio
import itertools
import json
import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import uvloop

HOST = "127.0.0.1"  # loopback only: this generator never targets another machine
MARK = b"@@ID@@"


@dataclass
class Tally:
    """Responses completed inside the measured window, and their latencies."""

    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    started: int = 0


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            raise RuntimeError("chunked responses are not expected here")
    if length:
        await reader.readexactly(length)
    return int(head[9:12])


async def connection(
    args: argparse.Namespace,
    head: bytes,
    template: bytes,
    ids: "itertools.count[int]",
    tally: Tally,
    window: tuple[float, float],
) -> None:
    reader, writer = await asyncio.open_connection(HOST, args.port)
    try:
        while time.perf_counter() < window[1] and tally.started < args.max_requests:
            tally.started += 1
            body = template.replace(MARK, f"{args.prefix}-{next(ids)}".encode())
            sent = time.perf_counter()
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            status = await read_response(reader)
            done = time.perf_counter()
            if window[0] <= done <= window[1]:
                tally.statuses[status] += 1
                tally.latencies.append(done - sent)
    finally:
        writer.close()


async def generate(args: argparse.Namespace, template: bytes) -> dict[str, object]:
    head = (
        f"POST {args.path} HTTP/1.1\r\nHost: {HOST}:{args.port}\r\n"
        f"Authorization: Bearer {os.environ.get('BENCH_TOKEN', '')}\r\n"
        "Content-Type: application/json\r\n"
    ).encode()
    start = time.perf_counter() + args.warmup
    window = (start, start + args.duration)
    tally, ids = Tally(), itertools.count()
    await asyncio.gather(
        *(connection(args, head, template, ids, tally, window) for _ in range(args.connections))
    )
    completed = sum(tally.statuses.values())
    latencies = sorted(tally.latencies) or [0.0]
    return {
        "completed": completed,
        "window_s": args.duration,
        "rate": completed / args.duration,
        "statuses": {str(status): n for status, n in sorted(tally.statuses.items())},
        "latency_ms": {
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(len(latencies) * 0.99)] * 1000,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.http.load")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/v1/consultations")
    parser.add_argument("--body", required=True, help=f"JSON template; {MARK.decode()} → an id")
    parser.add_argument("--prefix", required=True, help="makes the ids unique per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=0.5, help="seconds, not counted")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds counted")
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()
    result = uvloop.run(generate(args, Path(args.body).read_bytes()))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
