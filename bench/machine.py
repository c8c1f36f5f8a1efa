"""The machine and the software a run measured on: CPU, cores, memory, OS and versions."""

import importlib.metadata
import os
import platform
import re
import sys
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.infra import asyncpg_url

LIBRARIES = (
    "aiokafka",
    "asyncpg",
    "sqlalchemy",
    "fastapi",
    "starlette",
    "uvicorn",
    "pydantic",
    "cryptography",
    "uvloop",
    "httptools",
    "eventsourcing",
    "psycopg",
)
_KAFKA_JAR = re.compile(r"kafka_[0-9.]+-([0-9][0-9A-Za-z.\-]*)\.jar$")


def machine() -> dict[str, Any]:
    """CPU model, logical cores, memory and OS of this machine (Linux's /proc where it exists)."""
    return {
        "cpu": _cpuinfo_field("model name") or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory_gib": round(_meminfo_kib("MemTotal") / 2**20, 1),
        "os": f"{_os_name()} (kernel {platform.release()}, {platform.machine()})",
    }


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version() + f" ({sys.implementation.name})"}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


async def postgres_version(url: str) -> str:
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


def kafka_version(origin: str, image: str) -> str:
    """Kafka has no request that names the broker's version: read it from where it runs."""
    if origin == "testcontainers":
        return f"{image.rsplit(':', 1)[-1]} (image {image})"
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"kafka.Kafka" not in arguments or b"-cp" not in arguments:
            continue
        classpath = arguments[arguments.index(b"-cp") + 1].decode()
        for entry in classpath.split(":"):
            folder = Path(entry.removesuffix("*"))
            jars = folder.glob("kafka_*.jar") if folder.is_dir() else [folder]
            for jar in jars:
                if found := _KAFKA_JAR.search(jar.name):
                    return f"{found.group(1)} (local broker, {jar.name})"
    return "unknown (broker not on this machine)"


def _cpuinfo_field(name: str) -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == name:
                return value.strip()
    except OSError:
        pass
    return None


def _meminfo_kib(name: str) -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.partition("=")[2].strip('"')
    except OSError:
        pass
    return platform.system()
