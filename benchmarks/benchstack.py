"""The system the benchmarks measure, brought up with deploy/stack.sh in a state folder and on
ports of its own: `make bench` starts a whole stack (PostgreSQL, Kafka, the four services);
the smoke run starts just the services, against PostgreSQL and Kafka already running (the test
stack's). Either way notify sends its mail to a minimal SMTP server of the benchmark's own, so
the mail sink's parsing is not what is measured, and everything is stopped by its saved PID.
"""

import asyncio
import os
import select
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.auth import mint_token
from shared.db import asyncpg_dsn
from shared.settings import DEV_DATABASE_PASSWORD, AuthSettings
from shared.testing import migrate

ROOT = Path(__file__).resolve().parents[1]
STACK = ROOT / "deploy" / "stack.sh"
SERVICES = ("walks", "tips", "patrols", "notify")
SMTP_PID = "null-smtp.pid"
MUNICIPALITY = "0683"


@dataclass
class BenchStack:
    """Ports from `base` on: PostgreSQL at +0, Kafka at +10 (controller +50), the APIs at
    +101.., the workers' metrics at +201.., the mail sink +300, SMS stub +301, null SMTP +302.
    With `infra` (PostgreSQL port, Kafka port) those two are someone else's and left alone."""

    base: int
    state: Path
    infra: tuple[int, int] | None = None
    _smtp: asyncio.subprocess.Process | None = None

    @property
    def pg_port(self) -> int:
        return self.infra[0] if self.infra else self.base

    @property
    def kafka_port(self) -> int:
        return self.infra[1] if self.infra else self.base + 10

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def smtp_port(self) -> int:
        return self.base + 302

    def database_url(self, database: str) -> str:
        return f"postgresql+asyncpg://trygg:{DEV_DATABASE_PASSWORD}@127.0.0.1:{self.pg_port}/{database}"

    def dsn(self, database: str) -> str:
        return asyncpg_dsn(self.database_url(database))

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.base + 101 + SERVICES.index(service)}"

    def api_urls(self, service: str) -> list[str]:
        """Every API process of the service that runs (stack.sh puts number i 10 ports up)."""
        count = len(list((self.state / "pids").glob(f"{service}-api-*.pid")))
        first = self.base + 101 + SERVICES.index(service)
        return [f"http://127.0.0.1:{first + 10 * i}" for i in range(max(count, 1))]

    def env(self) -> dict[str, str]:
        mail, sms = self.base + 300, self.base + 301
        return {
            **os.environ,
            "TRYGG_STATE_DIR": str(self.state),
            "TRYGG_ENVIRONMENT": "development",
            "TRYGG_PG_PORT": str(self.pg_port),
            "TRYGG_PG_DURABLE": os.environ.get("TRYGG_PG_DURABLE", "1"),
            "TRYGG_KAFKA_PORT": str(self.kafka_port),
            "TRYGG_KAFKA_CONTROLLER_PORT": str(self.base + 50),
            "TRYGG_API_PORT_BASE": str(self.base + 100),
            "TRYGG_WORKER_METRICS_PORT_BASE": str(self.base + 200),
            "TRYGG_MAIL_SINK_PORT": str(mail),
            "TRYGG_SMS_GATEWAY_PORT": str(sms),
            "TRYGG_DEMO": "0",
            "NOTIFY_SMTP__PORT": str(self.smtp_port),
            "NOTIFY_SMS__BASE_URL": f"http://127.0.0.1:{sms}",
            "NOTIFY_PUBLIC__BASE_URL": self.url("notify"),
            "TIPS_NOTIFY__URL": self.url("notify"),
            "TIPS_PUBLIC_BASE_URL": self.url("tips"),
            # Every tip comes from this machine: no per-sender limits in the way of the load.
            "TIPS_PUBLIC__SUBMISSIONS_PER_MINUTE": "100000000",
            "TIPS_PUBLIC__SUBMISSIONS_PER_DAY": "100000000",
            "TIPS_PUBLIC__GLOBAL_SUBMISSIONS_PER_MINUTE": "100000000",
            "WALKS_PUBLIC_BASE_URL": self.url("walks"),
            "WALKS_NOTIFY_PUBLIC_BASE_URL": self.url("notify"),
            "PATROLS_PUBLIC_BASE_URL": self.url("patrols"),
        }

    async def stack(self, *command: str) -> None:
        """deploy/stack.sh with the benchmark's variables; its output goes to stack.log."""
        self.state.mkdir(parents=True, exist_ok=True)
        with (self.state / "stack.log").open("ab") as out:
            process = await asyncio.create_subprocess_exec(
                str(STACK), *command, env=self.env(), stdout=out, stderr=out
            )
            if await process.wait() != 0:
                raise RuntimeError(f"stack.sh {' '.join(command)} failed; see {out.name}")

    async def up(self) -> None:
        """A fresh stack: what an earlier run left is stopped and wiped first."""
        if self.state.exists():
            await self.stack("down")
            _stop_kept_smtp(self.state / SMTP_PID)
            shutil.rmtree(self.state)
        await self._start_smtp()
        if self.infra is None:
            await self._patiently("up")
            return
        await asyncio.gather(*(self._fresh_database(s) for s in SERVICES))
        await self._patiently("services-up")

    async def _patiently(self, command: str, attempts: int = 3) -> None:
        """stack.sh waits a minute for each API; on a loaded machine one may need longer. The
        command starts only what is not running, so asking again waits for the slow ones."""
        for attempt in range(1, attempts + 1):
            try:
                await self.stack(command)
                return
            except RuntimeError:
                if attempt == attempts:
                    raise

    async def down(self) -> None:
        try:
            await self.stack("down")
        finally:
            if self._smtp is not None and self._smtp.returncode is None:
                self._smtp.terminate()
                await asyncio.wait_for(self._smtp.wait(), 10)

    async def _fresh_database(self, service: str) -> None:
        conn = await asyncpg.connect(self.dsn("postgres"))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{service}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{service}"')
        finally:
            await conn.close()
        await migrate(service, self.database_url(service))

    async def _start_smtp(self) -> None:
        self._smtp = await start_null_smtp(self.smtp_port)
        # Saved, so that the next run stops the one a --keep run left behind.
        self.state.mkdir(parents=True, exist_ok=True)
        (self.state / SMTP_PID).write_text(str(self._smtp.pid))


def _stop_kept_smtp(pid_file: Path) -> None:
    """The null SMTP server of an earlier run that was kept up, by the PID it saved, if that
    process is still the server (a PID may since belong to another); waits until it is gone."""
    try:
        pid = int(pid_file.read_text())
        if b"null_smtp.py" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return
        gone = os.pidfd_open(pid)  # readable once the process has ended
    except (OSError, ValueError):
        return  # no file, or the process is gone
    try:
        os.kill(pid, signal.SIGTERM)
        select.select([gone], [], [], 10)
    finally:
        os.close(gone)


async def start_null_smtp(port: int) -> asyncio.subprocess.Process:
    """benchmarks/null_smtp.py in a process of its own, once it accepts connections."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "benchmarks" / "null_smtp.py"), str(port)
    )
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return process
    process.terminate()
    raise RuntimeError(f"the null SMTP server did not start on {port}")


_migrated: dict[str, str] = {}


async def migrated(stack: BenchStack, database: str, service: str) -> str:
    """A database of the benchmark's own with a service's tables, migrated once per run."""
    if database not in _migrated:
        _migrated[database] = await recreate(stack, database)
        await migrate(service, _migrated[database])
    return _migrated[database]


def token(scopes: list[str]) -> str:
    return mint_token(AuthSettings(), "bench", scopes, [MUNICIPALITY], 4 * 3600)


async def recreate(stack: BenchStack, database: str) -> str:
    """A database of the benchmark's own on the stack's PostgreSQL; its SQLAlchemy URL."""
    conn = await asyncpg.connect(stack.dsn("postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return stack.database_url(database)
