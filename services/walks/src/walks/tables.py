"""Every table of the walks database in one place: what its Alembic history must create, and
what the schema test compares with the migrated database."""

from sqlalchemy import MetaData

import walks.app  # noqa: F401  (importing the app imports every model)
from shared.db import service_metadata
from shared.idempotency import IDEMPOTENCY_KEY
from shared.ratelimit import RATE_LIMIT


def metadata() -> MetaData:
    return service_metadata("walks", IDEMPOTENCY_KEY, RATE_LIMIT)
