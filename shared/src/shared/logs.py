"""JSON log lines that carry the request id or the event id being handled: one line per record,
from every logger of the process, uvicorn's included."""

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from types import TracebackType

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
event_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)
event_type: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_type", default=None)

# What every record has; any other attribute came in through `extra=` and becomes a field.
# uvicorn passes `color_message`, the same message with terminal colours, which a line omits.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}
# uvicorn's own configuration gives these plain-text handlers; ours route them to the root's.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi")
# Each request is logged once, with its request id, by shared.http.RequestContext.
UVICORN_ACCESS_LOGGER = "uvicorn.access"


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, var in (
            ("request_id", request_id),
            ("event_id", event_id),
            ("event_type", event_type),
        ):
            if (value := var.get()) is not None:
                line[name] = value
        line.update(_extra_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _extra_fields(record: logging.LogRecord) -> dict[str, object]:
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }


def configure_logging(service: str, level: str = "INFO") -> None:
    """Every record of the process as one JSON line on stdout: the root logger's handler is the
    only one, and uvicorn's loggers, Python's warnings and uncaught exceptions all reach it."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(max(logging.getLevelName(level), logging.WARNING))
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    logging.getLogger(UVICORN_ACCESS_LOGGER).disabled = True
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    # What would end the process with a plain traceback on stderr ends it with a JSON line.
    logging.getLogger("uncaught").critical("uncaught %s", kind.__name__, exc_info=error)


@contextlib.contextmanager
def logged_exit() -> Iterator[None]:
    """A SystemExit with a message (a refusal to start) ends the process as a JSON record,
    where Python would print the message as plain text."""
    try:
        yield
    except SystemExit as exc:
        if not isinstance(exc.code, str):
            raise
        logging.getLogger("exit").critical("%s", exc.code, exc_info=exc)
        # Said once, in the log; the exit status alone tells the rest that it failed.
        exc.code = 1
        raise


@contextlib.contextmanager
def event_context(id_: str, type_: str) -> Iterator[None]:
    tokens = (event_id.set(id_), event_type.set(type_))
    try:
        yield
    finally:
        event_id.reset(tokens[0])
        event_type.reset(tokens[1])
