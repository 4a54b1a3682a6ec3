"""Email over SMTP (aiosmtplib), through a small pool of long-lived connections.

The messages come built and encoded (`messaging.outgoing`); a channel only sends them.
"""

import asyncio
import contextlib
import email.utils
import re
import uuid
from dataclasses import dataclass

import aiosmtplib

from notify.config import SmtpSettings
from notify.domain import Status
from notify.messaging.channels.base import Outcome, delivered, failed

# What goes between angle brackets on MAIL and RCPT: a dot-atom local part and a host name.
MAILBOX = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9.-]{1,253}$")


@dataclass(frozen=True)
class EmailJob:
    notification_id: uuid.UUID
    to: str
    message: bytes


LEASE_RAN_SHORT = "not sent: the lease ran short"


class SmtpChannel:
    """Sends over up to `connections` SMTP connections, reused across messages."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._sender = email.utils.parseaddr(settings.sender)[1]
        self._mail_from = f"FROM:<{self._sender}>".encode()
        self._idle: asyncio.LifoQueue[aiosmtplib.SMTP] = asyncio.LifoQueue()
        self._slots = asyncio.Semaphore(settings.connections)

    async def send(self, job: EmailJob, start_by: float | None = None) -> Outcome:
        """Send over the first free connection; a job whose turn comes after `start_by` (the
        event loop's clock) is not sent at all, so that its claim's lease still holds."""
        async with self._slots:
            if start_by is not None and asyncio.get_running_loop().time() > start_by:
                return failed(Status.TECHNICAL_FAILURE, "lease", LEASE_RAN_SHORT)
            try:
                client = await self._client()
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                return failed(Status.TECHNICAL_FAILURE, "smtp-connect", repr(exc))
            outcome, healthy = await self._send_on(client, job)
            if healthy:
                self._idle.put_nowait(client)
            else:
                await _close(client)
            return outcome

    async def _send_on(self, client: aiosmtplib.SMTP, job: EmailJob) -> tuple[Outcome, bool]:
        if not MAILBOX.match(job.to):
            return failed(Status.PERMANENT_FAILURE, "smtp-address", "not a sendable address"), True
        try:
            # One bound for the whole transaction rather than one per command.
            async with asyncio.timeout(self._settings.timeout_s):
                response = await self._transaction(client, job)
        except aiosmtplib.SMTPResponseException as exc:
            # 421: the server is closing the connection; any other answer leaves it usable.
            return _by_code(exc.code, exc.message), exc.code != 421
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return failed(Status.TECHNICAL_FAILURE, "smtp-connection", repr(exc)), False
        return delivered("smtp-250", response), True

    async def _transaction(self, client: aiosmtplib.SMTP, job: EmailJob) -> str:
        """MAIL, RCPT, DATA for one recipient, the commands written out: `sendmail`, `mail` and
        `rcpt` parse each address with the standard library again and again, which costs more
        than the rest of the transaction. Addresses were checked against MAILBOX instead."""
        try:
            # No BODY=8BITMIME: every line of the message is 7-bit ASCII.
            sent = await client.execute_command(b"MAIL", self._mail_from, timeout=None)
            if sent.code != 250:
                raise aiosmtplib.SMTPSenderRefused(sent.code, sent.message, self._sender)
            to = await client.execute_command(b"RCPT", f"TO:<{job.to}>".encode(), timeout=None)
            if to.code not in (250, 251):
                raise aiosmtplib.SMTPRecipientRefused(to.code, to.message, job.to)
            return (await client.data(job.message, timeout=None)).message
        except aiosmtplib.SMTPResponseException:
            # A refusal ends the mail transaction; the connection stays usable after RSET.
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.rset()
            raise

    async def _client(self) -> aiosmtplib.SMTP:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            if client.is_connected:
                return client
        s = self._settings
        client = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            use_tls=s.security == "tls",
            start_tls=s.security == "starttls",
            username=s.username,
            password=s.password.get_secret_value() if s.password else None,
            timeout=s.timeout_s,
        )
        await client.connect()
        await client.ehlo()
        return client

    async def aclose(self) -> None:
        while not self._idle.empty():
            await _close(self._idle.get_nowait())


def _by_code(code: int, message: str) -> Outcome:
    """SMTP 4xx: the server may accept later; 5xx: it never will."""
    status = Status.TEMPORARY_FAILURE if 400 <= code < 500 else Status.PERMANENT_FAILURE
    return failed(status, f"smtp-{code}", f"{code} {message}")


async def _close(client: aiosmtplib.SMTP) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.quit(), 5)
    client.close()
