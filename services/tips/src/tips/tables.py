"""Every table of the tips database in one place: what its Alembic history must create, and
what the schema test compares with the migrated database."""

from sqlalchemy import MetaData

import tips.app  # noqa: F401  (importing the app imports every model)
from shared.db import service_metadata


def metadata() -> MetaData:
    return service_metadata("tips")
