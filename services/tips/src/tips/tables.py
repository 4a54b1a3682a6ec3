"""Every table of the tips database in one place: what its Alembic history must create, and
what the schema test compares with the migrated database."""

from sqlalchemy import MetaData

import tips.app  # noqa: F401  (importing the app imports every model)
from shared.db import service_metadata
from shared.idempotency import IDEMPOTENCY_KEY
from shared.ratelimit import RATE_LIMIT
from tips.categories import models as _categories  # noqa: F401
from tips.dialogues import models as _dialogues  # noqa: F401
from tips.feedback import models as _feedback  # noqa: F401
from tips.photos import models as _photos  # noqa: F401
from tips.reporters import models as _reporters  # noqa: F401
from tips.tips import models as _tips  # noqa: F401
from tips.triage import models as _triage  # noqa: F401


def metadata() -> MetaData:
    return service_metadata("tips", IDEMPOTENCY_KEY, RATE_LIMIT)
