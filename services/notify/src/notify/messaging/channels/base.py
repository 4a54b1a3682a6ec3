"""What every channel answers when asked to deliver one notification."""

from dataclasses import dataclass

from notify.domain import Status


@dataclass(frozen=True)
class Outcome:
    """How one delivery attempt ended.

    `status` is delivered, sending (the provider took it and will report delivery later), or a
    failure: temporary (the receiving side may accept later), permanent (it never will) or
    technical (our side or the provider's is at fault). `reason` is a short code safe to publish
    (`smtp-451`, `http-410`, `private-address`); `detail` is the provider's own words, which
    may quote the address and are erased with it.
    """

    status: Status
    reason: str
    detail: str | None = None
    provider_ref: str | None = None

    @property
    def unsure(self) -> bool:
        """Sending with no provider id: the provider may or may not have taken it. An accepted
        send always carries the provider's id."""
        return self.status == Status.SENDING and self.provider_ref is None


def delivered(reason: str, detail: str | None = None, ref: str | None = None) -> Outcome:
    return Outcome(Status.DELIVERED, reason, detail, ref)


def failed(status: Status, reason: str, detail: str | None = None) -> Outcome:
    return Outcome(status, reason, (detail or "")[:500] or None)


def unsure(reason: str, detail: str | None = None) -> Outcome:
    """An attempt whose send may have reached the provider: to be looked up, not repeated."""
    return Outcome(Status.SENDING, reason, (detail or "")[:500] or None)
