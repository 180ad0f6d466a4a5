"""The golden policy: which skips an item may take and still count as passed.

* ``default``: an analysis item may skip only through the harness's own citable skip
  (:class:`HarnessSkip`: reason code, threshold, measured value); a bare ``pytest.skip``
  inside an analysis fails as an *uncitable skip*.
* ``strict``: every skip fails the item, so the session exits non-zero.

Markers ``golden_default`` / ``golden_strict`` pin an item's policy whatever the session's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

GOLDEN_MODES = ("default", "strict")
MARKER_DEFAULT = "golden_default"
MARKER_STRICT = "golden_strict"


class HarnessSkip(Exception):
    """Raised (through :func:`harness_skip`) when the harness itself decides to skip."""

    def __init__(self, reason_code: str, message: str, *, threshold, measured) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.threshold = threshold
        self.measured = measured

    def record(self) -> dict:
        return {
            "reason_code": self.reason_code,
            "message": str(self),
            "threshold": self.threshold,
            "measured": self.measured,
        }


def harness_skip(reason_code: str, message: str, *, threshold, measured) -> None:
    raise HarnessSkip(reason_code, message, threshold=threshold, measured=measured)


@dataclass(frozen=True)
class GoldenPolicy:
    mode: str
    source: str  # "session" or the marker name

    @property
    def strict(self) -> bool:
        return self.mode == "strict"


_KEY = pytest.StashKey[GoldenPolicy]()


def golden_policy_for(item: pytest.Item, session_mode: str) -> GoldenPolicy:
    """Resolve (once, cached in the item's stash) the golden policy of ``item``."""
    cached = item.stash.get(_KEY, None)
    if cached is not None:
        return cached
    policy = GoldenPolicy(session_mode, "session")
    if item.get_closest_marker(MARKER_STRICT) is not None:
        policy = GoldenPolicy("strict", MARKER_STRICT)
    elif item.get_closest_marker(MARKER_DEFAULT) is not None:
        policy = GoldenPolicy("default", MARKER_DEFAULT)
    item.stash[_KEY] = policy
    return policy
