"""Size tiers: the only place in the project where dataset-size thresholds live.

A tier is chosen from the row count alone; each tier sets default caps. Caps bound the
complexity of an analysis (how many columns, pairs, groups, windows, findings it looks at),
never the number of rows it reads: every tier scans every row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SizeTier:
    name: str
    min_rows: int
    max_columns: int
    max_pairs: int
    max_groups: int
    max_windows: int
    max_findings: int
    distinct_cap: int
    time_limit_s: float


# Ordered from small to large; a dataset takes the last tier whose min_rows it reaches.
TIERS: tuple[SizeTier, ...] = (
    SizeTier("small", 0, 200, 500, 500, 1000, 200, 100_000, 600.0),
    SizeTier("medium", 100_000, 100, 200, 200, 1000, 100, 100_000, 900.0),
    SizeTier("large", 1_000_000, 60, 100, 100, 1000, 100, 100_000, 1800.0),
    SizeTier("huge", 20_000_000, 40, 50, 50, 1000, 50, 100_000, 7200.0),
)

LARGE_TIER = "large"


def tier_for_rows(row_count: int) -> SizeTier:
    chosen = TIERS[0]
    for tier in TIERS:
        if row_count >= tier.min_rows:
            chosen = tier
    return chosen
