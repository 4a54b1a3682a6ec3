"""Opaque, signed tokens in the links residents click: confirm, unsubscribe, erase.

A token is the record's id and an HMAC over it and the link's purpose, so nothing about it is
stored and a token for one purpose cannot be used for another. Unsubscribe links in messages
already sent must keep working, so tokens do not expire; confirmation is bounded by the age
of the pending subscription instead.
"""

import base64
import binascii
import hashlib
import hmac
import uuid
from enum import StrEnum

MAC_BYTES = 16


class Purpose(StrEnum):
    CONFIRM = "confirm"
    # Unsubscribe and erase: the person's own links in every message they get.
    MANAGE = "manage"
    CONTACT_OPT_OUT = "contact-opt-out"
    DELIVERY_REPORT = "delivery-report"


def _mac(secret: str, purpose: Purpose, id_: uuid.UUID) -> bytes:
    message = purpose.value.encode() + b":" + id_.bytes
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()[:MAC_BYTES]


def make(secret: str, purpose: Purpose, id_: uuid.UUID) -> str:
    raw = id_.bytes + _mac(secret, purpose, id_)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def read(secret: str, purpose: Purpose, token: str) -> uuid.UUID | None:
    """The id a token was made for, or None when it was not made by us for this purpose."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 16 + MAC_BYTES:
        return None
    id_ = uuid.UUID(bytes=raw[:16])
    return id_ if hmac.compare_digest(raw[16:], _mac(secret, purpose, id_)) else None


TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,100}$"
