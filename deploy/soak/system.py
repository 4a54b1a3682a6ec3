"""The soak's own whole system: brought up with deploy/stack.sh in a state folder and on ports
of its own, with our proxies between the services and PostgreSQL (and Kafka, when the stack
lets brokers advertise other ports), and the processes the faults are aimed at.
"""

import asyncio
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from proxy import FaultyProxy

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "stack.sh"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SERVICES = ("walks", "tips", "patrols", "notify")


@dataclass(frozen=True)
class Ports:
    """Every port of one soak stack, derived from one base so two soaks never meet."""

    base: int

    @property
    def pg(self) -> int:
        return self.base

    @property
    def pg_proxy(self) -> int:
        return self.base + 1

    def kafka(self, broker: int = 0) -> int:
        """Broker i's client port; the stack puts broker i+1's 10 above (replication at +5)."""
        return self.base + 10 + 10 * broker

    @property
    def kafka_controller(self) -> int:
        return self.base + 50

    def kafka_proxy(self, broker: int) -> int:
        return self.base + 80 + broker

    def api(self, service: str) -> int:
        return self.base + 101 + SERVICES.index(service)

    @property
    def mail(self) -> int:
        return self.base + 300

    @property
    def sms(self) -> int:
        return self.base + 301


def stack_supports(word: str) -> bool:
    """Whether deploy/stack.sh knows a subcommand or variable (some arrive in later versions)."""
    return word in STACK.read_text(encoding="utf-8")


@dataclass
class System:
    ports: Ports
    state: Path
    brokers: int
    webhook_port: int
    pg_proxy: FaultyProxy = field(init=False)
    kafka_proxies: list[FaultyProxy] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pg_proxy = FaultyProxy("postgres", self.ports.pg_proxy, self.ports.pg)
        # The stack lets the brokers of a cluster advertise other ports: the proxies'.
        if self.brokers > 1 and stack_supports("TRYGG_KAFKA_ADVERTISED_PORTS"):
            self.kafka_proxies = [
                FaultyProxy(f"kafka-{i + 1}", self.ports.kafka_proxy(i), self.ports.kafka(i))
                for i in range(self.brokers)
            ]

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{self.ports.kafka(i)}" for i in range(self.brokers))

    @property
    def pids(self) -> Path:
        return self.state / "pids"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports.api(service)}"

    def env(self) -> dict[str, str]:
        """The stack's variables, and the services' settings the soak needs: its sinks and
        ports, loopback webhooks, no rate limits on residents (they are all this machine), and
        short leases and back-offs so that a crashed send goes again within a run."""
        p = self.ports
        env = {
            **os.environ,
            "TRYGG_STATE_DIR": str(self.state),
            "TRYGG_ENVIRONMENT": "development",
            "TRYGG_PG_PORT": str(p.pg),
            "TRYGG_PG_DURABLE": "1",
            "TRYGG_SERVICES_PG_PORT": str(p.pg_proxy),
            "TRYGG_KAFKA_PORT": str(p.kafka()),
            "TRYGG_KAFKA_CONTROLLER_PORT": str(p.kafka_controller),
            "TRYGG_KAFKA_BROKERS": str(self.brokers),
            "TRYGG_API_PORT_BASE": str(p.base + 100),
            "TRYGG_WORKER_METRICS_PORT_BASE": str(p.base + 200),
            "TRYGG_MAIL_SINK_PORT": str(p.mail),
            "TRYGG_SMS_GATEWAY_PORT": str(p.sms),
            "TRYGG_DEMO": "0",
            "NOTIFY_SMTP__PORT": str(p.mail),
            "NOTIFY_SMTP__TIMEOUT_S": "10",
            "NOTIFY_SMS__BASE_URL": f"http://127.0.0.1:{p.sms}",
            "NOTIFY_SMS__TIMEOUT_S": "10",
            "NOTIFY_WEBHOOKS__SCHEMES": '["http"]',
            "NOTIFY_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
            "NOTIFY_PUBLIC__BASE_URL": self.url("notify"),
            "NOTIFY_PUBLIC__RATE_PER_MINUTE": "100000",
            "NOTIFY_PUBLIC__CONFIRMATIONS_PER_ADDRESS_PER_DAY": "100",
            "NOTIFY_DISPATCHER__LEASE_S": "30",
            "NOTIFY_DISPATCHER__BACKOFF_INITIAL_S": "1",
            "NOTIFY_DISPATCHER__BACKOFF_MAX_S": "8",
            "NOTIFY_DISPATCHER__POLL_INTERVAL_S": "0.2",
            "TIPS_NOTIFY__URL": self.url("notify"),
            "TIPS_PUBLIC_BASE_URL": self.url("tips"),
            "TIPS_PUBLIC__SUBMISSIONS_PER_MINUTE": "100000",
            "TIPS_PUBLIC__SUBMISSIONS_PER_DAY": "1000000",
            "TIPS_PUBLIC__GLOBAL_SUBMISSIONS_PER_MINUTE": "100000",
            "WALKS_PUBLIC_BASE_URL": self.url("walks"),
            "WALKS_NOTIFY_PUBLIC_BASE_URL": self.url("notify"),
            "PATROLS_PUBLIC_BASE_URL": self.url("patrols"),
        }
        if self.kafka_proxies:
            ports = ",".join(str(x.listen_port) for x in self.kafka_proxies)
            env["TRYGG_KAFKA_ADVERTISED_PORTS"] = ports
        return env

    async def stack(self, *command: str) -> None:
        """deploy/stack.sh with the soak's variables; its output goes to the soak's log."""
        self.state.mkdir(parents=True, exist_ok=True)
        with (self.state / "stack.log").open("ab") as out:
            process = await asyncio.create_subprocess_exec(
                str(STACK), *command, env=self.env(), stdout=out, stderr=out
            )
            if await process.wait() != 0:
                raise RuntimeError(f"stack.sh {' '.join(command)} failed; see {out.name}")

    async def up(self, fresh: bool) -> None:
        """A stack of the soak's own; `fresh` wipes what an earlier soak left first."""
        if fresh and self.state.exists():
            await self.stack("down")
            shutil.rmtree(self.state)
        await self.pg_proxy.start()
        for kafka_proxy in self.kafka_proxies:
            await kafka_proxy.start()
        await self.stack("up")

    async def down(self) -> None:
        await self.stack("down")
        await self.pg_proxy.close()
        for kafka_proxy in self.kafka_proxies:
            await kafka_proxy.close()

    # --- processes ------------------------------------------------------------------------------

    def pid(self, name: str) -> int | None:
        try:
            pid = int((self.pids / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if Path(f"/proc/{pid}").exists() else None

    def workers(self) -> list[str]:
        return sorted(p.stem for p in self.pids.glob("*-worker*.pid"))

    def brokers_running(self) -> list[str]:
        return sorted(p.stem for p in self.pids.glob("kafka*.pid"))

    def signal(self, name: str, sig: signal.Signals) -> bool:
        pid = self.pid(name)
        if pid is None:
            return False
        os.kill(pid, sig)
        return True

    async def restart_services(self) -> None:
        await self.stack("services-up" if stack_supports("services-up)") else "up")

    async def restart_infra(self) -> None:
        await self.stack("infra-up")

    def stop_postgres_now(self) -> None:
        """`pg_ctl stop -m immediate`: every backend gone at once, recovery on the next start."""
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.state / "pg" / "data")]
        command += ["-m", "immediate", "-w", "stop"]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)
