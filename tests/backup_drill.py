"""The backup drill's tools: deploy/backup.sh against the test stack, a cluster restored from a
backup beside it (its own folder and port, stopped by its own pid), and a fingerprint of every
table of a database to compare the two by."""

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.db import asyncpg_dsn
from shared.testing import REPOSITORY, TestStack, unique_name, wait_until

SCRIPT = REPOSITORY / "deploy" / "backup.sh"
TABLES = """
SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""


def script_env(stack: TestStack) -> dict[str, str]:
    return {
        **os.environ,
        "TRYGG_PG_PORT": str(stack.pg_port),
        "TRYGG_KAFKA_PORT": str(stack.kafka_port),
    }


async def backup_script(stack: TestStack, *args: str) -> str:
    """Run deploy/backup.sh with the test stack's ports; returns what it printed."""
    process = await asyncio.create_subprocess_exec(
        str(SCRIPT),
        *args,
        env=script_env(stack),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"backup.sh {' '.join(args)} failed:\n{out.decode()}")
    return out.decode()


async def take_backup(stack: TestStack, into: Path) -> Path:
    await backup_script(stack, "backup", str(into))
    return into


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Restored:
    """A cluster started from a backup, on its own port."""

    port: int
    pid: int

    def url(self, database: str) -> str:
        return TestStack("", self.port, 0).database_url(database)


@contextlib.asynccontextmanager
async def restored(stack: TestStack, backup: Path, *options: str) -> AsyncIterator[Restored]:
    """A fresh cluster from `backup` beside the stack's, stopped (by its pid) and removed at the
    end. It lives under the stack's state folder, which the postgres user can reach."""
    folder = Path(os.environ["TRYGG_STATE_DIR"]) / unique_name("drill-")
    data, port = folder / "data", free_port()
    try:
        await backup_script(
            stack, "restore", str(backup), "--data", str(data), "--port", str(port), *options
        )
        pid = int((data / "postmaster.pid").read_text().split()[0])
        try:
            yield Restored(port, pid)
        finally:
            await _stop(pid)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _stop(pid: int) -> None:
    """A fast shutdown of the postmaster we started, awaited until the process is gone."""
    os.kill(pid, signal.SIGINT)

    async def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    await wait_until(gone, 60, f"PostgreSQL {pid} to stop")


async def fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows in a fixed order."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        found = {}
        for (table,) in await conn.fetch(TABLES):
            count, digest = await conn.fetchrow(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f"FROM {table} t"
            )
            found[table] = (count, digest)
        return found
    finally:
        await conn.close()


async def scalar(url: str, sql: str) -> object:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()
