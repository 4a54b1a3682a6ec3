"""The patrols service's expected failures, rendered as RFC 9457 problems."""

from typing import Any

from shared.problems import InvalidInput


class InvalidField(InvalidInput):
    """One field is wrong in a way the schema cannot say; the pointer names it."""

    def __init__(self, pointer: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail, errors=[{"detail": detail, "pointer": pointer}], **extensions)
