"""Small-count suppression: what of a week's counts may leave the EST group.

A count of 1 to threshold-1 incidents in a place can point at a person (the one shop, the one
stairwell), so it is never shown: it is left out, never shown as 0 (a true 0 is shown as 0).

Primary suppression hides every small part of a group. That is not enough when the group's
total is shown: were exactly one part hidden, total minus the shown parts would give it back.
Secondary suppression therefore also hides the smallest shown parts until the hidden ones are
safe: at least two, together at least the threshold and more than their number (so no split of
the difference among them is forced, as it would be for two hidden ones of 1 each). If no
shown part is left to hide, the total is hidden as well.

A change from the previous week would give that week's count back (count - change), so a part
whose previous count was hidden is hidden too (`withheld`); so is a part that is never listed
(incidents with no known locality), which the difference must not expose either. A withheld
part is hidden even when its count is 0.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")


@dataclass(frozen=True)
class Disclosure(Generic[K]):
    """What of a group may be shown: its total (None when hidden) and the parts shown."""

    total: int | None
    shown: frozenset[K]


def is_small(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def disclose(
    parts: Mapping[K, int],
    threshold: int,
    withheld: Collection[K] = (),
    sensitive: Collection[K] = (),
) -> Disclosure[K]:
    """The parts of a group (summing to its total) that may be shown, and whether its total may.

    `sensitive` parts are hidden and guarded as small ones are, whatever their count: a part
    whose own breakdown would be given away by its total."""
    total = sum(parts.values())
    if is_small(total, threshold):
        return Disclosure(None, frozenset())
    guarded = set(sensitive) & set(parts)
    hidden = {key for key, count in parts.items() if is_small(count, threshold)} | guarded
    hidden |= set(withheld) & set(parts)
    while not _safe(parts, hidden, threshold, guarded):
        shown = [key for key, count in parts.items() if key not in hidden and count > 0]
        if not shown:
            return Disclosure(None, frozenset())
        hidden.add(min(shown, key=lambda key: (parts[key], str(key))))
    return Disclosure(total, frozenset(parts) - hidden)


def _safe(
    parts: Mapping[K, int], hidden: Collection[K], threshold: int, guarded: Collection[K] = ()
) -> bool:
    """Whether total minus the shown parts gives back no small (or guarded) hidden count."""
    counted = [key for key in hidden if parts[key] > 0]  # a hidden 0 hides nothing
    if not any(is_small(parts[key], threshold) or key in guarded for key in counted):
        return True
    difference = sum(parts[key] for key in counted)
    return len(counted) >= 2 and difference >= threshold and difference > len(counted)
