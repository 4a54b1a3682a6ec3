"""Every table of the notify database in one place: what its Alembic history must create, and
what the schema test compares with the migrated database."""

from sqlalchemy import MetaData

import notify.app  # noqa: F401  (importing the app imports every model)
from shared.db import service_metadata
from shared.idempotency import IDEMPOTENCY_KEY
from shared.ratelimit import RATE_LIMIT


def metadata() -> MetaData:
    return service_metadata("notify", IDEMPOTENCY_KEY, RATE_LIMIT)
