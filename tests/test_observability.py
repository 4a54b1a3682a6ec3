"""deploy/prometheus and deploy/grafana: promtool accepts the scrape config and the alert rules
and passes their unit tests, the scrape targets are the ports the services serve on, and every
PromQL expression, in the alerts and in the dashboard, names only metrics our code declares."""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import notify.config
import notify.messaging.metrics
import patrols.config
import shared.metrics
import tips.config
import walks.config
from shared.settings import ServiceSettings
from shared.testing import REPOSITORY

pytestmark = pytest.mark.unit

PROMETHEUS = REPOSITORY / "deploy" / "prometheus"
DASHBOARD = REPOSITORY / "deploy" / "grafana" / "trygg-dashboard.json"
SETTINGS: dict[str, type[ServiceSettings]] = {
    "walks": walks.config.Settings,
    "tips": tips.config.Settings,
    "patrols": patrols.config.Settings,
    "notify": notify.config.Settings,
}
API_PORTS = {"walks": 8001, "tips": 8002, "patrols": 8003, "notify": 8004}
# Series Prometheus makes itself, for every target.
SYNTHETIC = {"up"}
# Words of PromQL that are not metric names where they stand.
OPERATORS = {"and", "or", "unless", "bool", "offset", "group_left", "group_right"}


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["promtool", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=PROMETHEUS,
    )


def metric_names(expr: str) -> set[str]:
    """The metric names in a PromQL expression: what is left once strings, label matchers,
    ranges, grouping clauses, functions and operators are taken out."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    bare = re.sub(r"\{[^}]*\}", " ", bare)
    bare = re.sub(r"\[[^\]]*\]", " ", bare)
    bare = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", bare)
    names = set()
    for match in re.finditer(r"(?<![\w.$])[A-Za-z_:][\w:]*", bare):
        called = bare[match.end() :].lstrip().startswith("(")
        if not called and match.group() not in OPERATORS:
            names.add(match.group())
    return names


def declared_names() -> set[str]:
    """Every series name the registry exports once our metrics modules are imported."""
    assert shared.metrics.CONSUMED is not None
    assert notify.messaging.metrics.NOTIFICATIONS is not None
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "gauge": ("",),
    }
    names = set(SYNTHETIC)
    for family in REGISTRY.collect():
        names |= {family.name + s for s in suffixes.get(family.type, ("",))}
    return names


def alert_expressions() -> list[str]:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def dashboard_expressions() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def test_promtool_accepts_the_scrape_config_and_its_rule_files() -> None:
    checked = promtool("check", "config", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_promtool_accepts_the_alert_rules() -> None:
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 9 rules found" in checked.stdout


def test_the_alert_rules_pass_their_unit_tests() -> None:
    tested = promtool("test", "rules", "alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_prometheus_scrapes_each_api_and_each_worker_where_it_serves() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job["static_configs"] for job in config["scrape_configs"]}

    def targets(job: str) -> dict[str, str]:
        return {s["labels"]["service"]: s["targets"][0] for s in jobs[job]}

    workers = {name: settings().worker.metrics_port for name, settings in SETTINGS.items()}
    assert targets("trygg-api") == {s: f"127.0.0.1:{port}" for s, port in API_PORTS.items()}
    assert targets("trygg-worker") == {s: f"127.0.0.1:{port}" for s, port in workers.items()}


def test_the_dashboard_is_grafana_json_with_a_query_on_every_panel() -> None:
    loaded = dashboard()
    assert loaded["uid"] == "trygg-services"
    graphs = [p for p in loaded["panels"] if p["type"] != "row"]
    assert {p["title"] for p in graphs} == {
        "Up",
        "Requests",
        "5xx share",
        "Latency p95",
        "Outbox backlog",
        "Oldest unpublished event",
        "Relay",
        "Consumer lag",
        "Events by outcome",
        "Notifications by channel and status",
        "Dispatcher queue",
        "Oldest due notification",
    }
    assert all(p["targets"] and all(t["expr"] for t in p["targets"]) for p in graphs)


def test_metric_names_are_read_from_promql() -> None:
    expr = (
        'sum by (service, le) (rate(trygg_http_request_seconds_bucket{status=~"5.."}[5m])) '
        "/ on (service) group_left up > bool 0 and trygg_outbox_backlog offset 1h"
    )
    assert metric_names(expr) == {"trygg_http_request_seconds_bucket", "up", "trygg_outbox_backlog"}


@pytest.mark.parametrize(
    "expr", alert_expressions() + dashboard_expressions(), ids=lambda e: e[:60]
)
def test_every_expression_names_only_declared_metrics(expr: str) -> None:
    names = metric_names(expr)
    assert names, "an expression that names no metric"
    assert names <= declared_names(), f"undeclared: {sorted(names - declared_names())}"
