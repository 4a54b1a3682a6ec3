"""Event contracts, one module per producing service. Importing this package registers them all."""

from shared.contracts import notify as notify
from shared.contracts import patrols as patrols
from shared.contracts import tips as tips
from shared.contracts import walks as walks
