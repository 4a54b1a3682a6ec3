"""Every table of the patrols database in one place: what its Alembic history must create, and
what the schema test compares with the migrated database."""

from sqlalchemy import MetaData

import patrols.app  # noqa: F401  (importing the app imports every model)
from shared.db import service_metadata


def metadata() -> MetaData:
    return service_metadata("patrols")
