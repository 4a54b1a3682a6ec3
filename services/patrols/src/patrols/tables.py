"""Every table of the patrols database in one place: what its Alembic history must create, and
what the schema test compares with the migrated database."""

from sqlalchemy import MetaData

import patrols.app  # noqa: F401  (importing the app imports every model)
from patrols.hotspots import models as _hotspots  # noqa: F401
from patrols.incidents import models as _incidents  # noqa: F401
from patrols.promises import models as _promises  # noqa: F401
from patrols.rounds import models as _rounds  # noqa: F401
from patrols.situation import models as _situation  # noqa: F401
from shared.db import service_metadata
from shared.idempotency import IDEMPOTENCY_KEY
from shared.ratelimit import RATE_LIMIT


def metadata() -> MetaData:
    return service_metadata("patrols", IDEMPOTENCY_KEY, RATE_LIMIT)
