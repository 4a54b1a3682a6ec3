"""What every service's Schemathesis test shares: the run of every phase (examples, coverage,
fuzzing, stateful) within bounds, the check that another municipality cannot reach what
one municipality's token reached, the statuses that count as refusing bad data and accepting
good data, the sweep that every route but the open ones wants a token, and the check that every
operation is documented."""

import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from schemathesis.checks import CheckContext
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.engine import Status, events
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.generation.case import Case
from schemathesis.schemas import BaseSchema

# 413: a generated body may pass the size limit; refusing it is right, whatever its content.
REFUSALS = ["400", "401", "403", "404", "405", "409", "413", "415", "422"]

# The tenant the fuzzer creates things as, and the one that must not reach them.
HOME = "0683"  # Värnamo
STRANGER = "0662"  # Gislaved

# The names the services give a municipality code in their paths.
MUNICIPALITY_PARAMETERS = ("municipality", "municipality_code")

# The Authorization header of each fuzzing run's home token, and the same token's holder had
# they been given the other municipality instead: the check below swaps one for the other.
_STRANGERS: dict[str, str] = {}
# The statuses the other municipality's replays were answered with, over every run.
_REPLAYED: Counter[int] = Counter()


def fuzz_config(
    *,
    home: Mapping[str, str],
    stranger: Mapping[str, str],
    acceptances: list[str] | None,
    examples: int,
    scenarios: int,
    steps: int = 8,
    refusals: list[str] = REFUSALS,
    lenient: str | None = None,
    misinferred: str | None = None,
) -> SchemathesisConfig:
    """Every phase, stateful included: `examples` generated calls per operation when fuzzing,
    `scenarios` stateful sequences of at most `steps` calls. The calls that need a token carry
    `home`'s, and every check that applies runs, `ignored_auth` (no token or a wrong one must
    be refused) and `other_municipality_is_refused` (with `stranger`'s token) among them.

    Schema-invalid data must be refused with one of `refusals`; schema-valid data may still
    meet rules and data a JSON Schema cannot carry (`acceptances` says with which statuses;
    `None` asks nothing of it). Paths matching `lenient` are not asked to accept it either.
    On paths matching `misinferred`, the links Schemathesis infers fill one id with another's
    value, so a 404 after a create there says nothing of the API: that check is left out."""
    bearer = home["Authorization"]
    _STRANGERS[bearer] = stranger["Authorization"]
    checks: dict[str, Any] = {"negative_data_rejection": {"expected-statuses": refusals}}
    if acceptances is None:
        checks["positive_data_acceptance"] = {"enabled": False}
    else:
        checks["positive_data_acceptance"] = {"expected-statuses": acceptances}
    operations = []
    if lenient is not None:
        operations.append(
            {
                "include-path-regex": lenient,
                "checks": {"positive_data_acceptance": {"enabled": False}},
            }
        )
    if misinferred is not None:
        operations.append(
            {
                "include-path-regex": misinferred,
                "checks": {"ensure_resource_availability": {"enabled": False}},
            }
        )
    return SchemathesisConfig.from_dict(
        {
            "suppress-health-check": ["all"],
            # A path's municipality is mostly the token's own, so that calls get past the
            # tenancy check to the rules behind it; now and then another, to be refused.
            "dictionaries": {"home": {"values": [HOME]}},
            "parameters": {
                f"path.{name}": {"dictionary": "home", "probability": 0.9}
                for name in MUNICIPALITY_PARAMETERS
            },
            "auth": {"openapi": {"HTTPBearer": {"bearer": bearer.removeprefix("Bearer ")}}},
            "checks": checks,
            # Unknown query parameters are ignored, as FastAPI ignores them.
            "generation": {"allow-extra-parameters": False},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"generation": {"max-examples": examples}},
                "stateful": {"generation": {"max-examples": scenarios}, "max-steps": steps},
            },
            "operations": operations,
        }
    )


@schemathesis.check
def other_municipality_is_refused(ctx: CheckContext, response: Response, case: Case) -> None:
    """A call a token for one municipality made with success, on a path that names a record
    or a municipality, made again with a token for another municipality: it must be refused,
    403 or 404, whether it reads, changes or adds to what the path names."""
    stranger = _STRANGERS.get(case.headers.get("Authorization", ""))
    if stranger is None or not case.path_parameters or not 200 <= response.status_code < 300:
        return
    probe = case.derive(headers=case.headers.copy())
    probe.headers["Authorization"] = stranger
    replayed = probe.call()
    _REPLAYED[replayed.status_code] += 1
    if replayed.status_code not in (403, 404):
        raise AssertionError(
            f"{case.method} {case.formatted_path} answered another municipality "
            f"{replayed.status_code}: {replayed.text[:300]}"
        )


@dataclass
class FuzzReport:
    """What a run did, phase by phase, and what it found."""

    requests: Counter[str] = field(default_factory=Counter)
    # Stateful steps that took a value from an earlier response, along a link.
    linked_steps: int = 0
    # How the other municipality's replays of successful calls were answered, by status.
    replays: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop_reason: str = ""

    def assert_clean(self) -> None:
        found = [*self.failures, *self.errors]
        assert not found, f"{len(found)} findings:\n\n" + "\n\n".join(found)

    def assert_every_phase_ran(self) -> None:
        for phase in ("examples", "coverage", "fuzzing", "stateful"):
            assert self.requests[phase] > 0, (phase, self)
        assert self.linked_steps > 0, self
        assert self.replays.total() > 0, self


def fuzz(schema: BaseSchema) -> FuzzReport:
    """Runs Schemathesis' engine, every phase configured, over `schema`; what it found is in
    the report, for the test to assert."""
    report = FuzzReport()
    replayed_before = _REPLAYED.copy()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(report, event.phase.value, event.recorder)
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            raise event.exception
        elif isinstance(event, events.EngineFinished):
            report.stop_reason = event.stop_reason.value
            report.failures.extend(f"after the run: {failure.title}" for failure in event.failures)
    report.replays = _REPLAYED - replayed_before
    return report


def _record(report: FuzzReport, phase: str, recorder: ScenarioRecorder) -> None:
    report.requests[phase] += len(recorder.interactions)
    report.linked_steps += sum(1 for node in recorder.cases.values() if node.transition)
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                case = recorder.cases[case_id].value
                failure = check.failure_info.failure
                report.failures.append(
                    f"[{phase}] {check.name} on {case.method} {case.formatted_path}: "
                    f"{failure.title}\n{failure.message}\n{check.failure_info.code_sample}"
                )


async def calls_without_token(
    client: httpx.AsyncClient,
    document: Mapping[str, Any],
    open_paths: re.Pattern[str],
    path_values: Mapping[str, str],
) -> int:
    """Calls every operation outside `open_paths` without a token and asserts each is refused
    (401, as a problem); returns how many were called. Path parameters take `path_values`, or
    a random UUID."""
    called = 0
    for path, operations in document["paths"].items():
        if open_paths.match(path):
            continue
        concrete = path
        for name, value in path_values.items():
            concrete = concrete.replace(f"{{{name}}}", value)
        concrete = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), concrete)
        for method in operations:
            response = await client.request(method.upper(), concrete, json={})
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            called += 1
    return called


def assert_documented(
    document: Mapping[str, Any],
    open_paths: re.Pattern[str],
    error_formats: Iterable[str] = ("application/problem+json",),
    own_errors: re.Pattern[str] | None = None,
) -> None:
    """Every operation has a summary and a description; every one behind a token declares 401,
    403 and 422; every 4xx it declares comes in one of `error_formats`, except on paths of
    `own_errors` (a standard with an error format of its own)."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("description"), where
            if not open_paths.match(path):
                assert {"401", "403", "422"} <= set(operation["responses"]), where
            if own_errors is not None and own_errors.match(path):
                continue
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    given = set(response.get("content", {}))
                    assert given & set(error_formats), (where, code)
