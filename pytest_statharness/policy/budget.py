"""Budgets: one deterministic function from (rows, columns, analysis, overrides) to caps.

Every decision carries its reason, so the run's ``policy.json`` can say why an item got
the caps it got. Overrides come, lowest to highest precedence, from the size tier, the
ini file, the command line and the environment. ``STAT_HARNESS_LARGE_DATASET_POLICY=off``
turns off the tiering (every dataset gets the small tier's caps).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..analysis import Budget
from .tiers import TIERS, tier_for_rows

LARGE_POLICY_ENV = "STAT_HARNESS_LARGE_DATASET_POLICY"
CAP_NAMES = (
    "max_columns",
    "max_pairs",
    "max_groups",
    "max_windows",
    "max_findings",
    "distinct_cap",
    "time_limit_s",
)
DEFAULT_BATCH_SIZE = 65536
#: State memory per item (MB) when not overridden (``--stat-cap memory_mb=N``): partitioned
#: analyses (duplicate detection) choose their partition count from it. One value for every
#: tier on purpose: the point is that memory does not grow with the row count.
DEFAULT_MEMORY_MB = 256


@dataclass(frozen=True)
class BudgetDecision:
    budget: Budget
    tier: str
    reasons: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "tier": self.tier,
            "batch_size": self.budget.batch_size,
            "time_limit_s": self.budget.time_limit_s,
            "memory_mb": self.budget.memory_mb,
            "caps": self.budget.caps(),
            "reasons": dict(sorted(self.reasons.items())),
        }


def large_policy_enabled() -> bool:
    return os.environ.get(LARGE_POLICY_ENV, "on").strip().lower() not in {"off", "0", "false", "no"}


def decide_budget(
    *,
    row_count: int,
    column_count: int,
    analysis_id: str,
    memory_heavy: bool = False,
    batch_size: int | None = None,
    overrides: dict[str, float] | None = None,
    large_policy: bool | None = None,
) -> BudgetDecision:
    """Decide one item's budget. Same inputs, same budget: no clock, no randomness."""
    reasons: dict[str, str] = {}
    if large_policy_enabled() if large_policy is None else large_policy:
        tier = tier_for_rows(row_count)
        reasons["tier"] = f"{row_count:,} rows >= {tier.min_rows:,} -> tier {tier.name!r}"
    else:
        tier = TIERS[0]
        reasons["tier"] = f"{LARGE_POLICY_ENV}=off -> tier {tier.name!r} for every dataset"
    values: dict[str, float] = {name: getattr(tier, name) for name in CAP_NAMES}
    for name in CAP_NAMES:
        reasons[name] = f"tier {tier.name!r} default"
    if values["max_columns"] > column_count:
        reasons["max_columns"] += f" (dataset has only {column_count} columns)"
    for name, value in (overrides or {}).items():
        if name not in values:
            continue
        values[name] = value
        reasons[name] = "override"
    memory_mb = int((overrides or {}).get("memory_mb", DEFAULT_MEMORY_MB))
    reasons["memory_mb"] = (
        "override" if "memory_mb" in (overrides or {}) else "default state memory per item"
    )
    size = batch_size or DEFAULT_BATCH_SIZE
    reasons["batch_size"] = "--stat-batch-size" if batch_size else "default IO batch size"
    if memory_heavy:
        reasons["concurrency"] = f"{analysis_id} is memory-heavy: runs alone"
    budget = Budget(
        batch_size=int(size),
        max_columns=int(values["max_columns"]),
        max_pairs=int(values["max_pairs"]),
        max_groups=int(values["max_groups"]),
        max_windows=int(values["max_windows"]),
        max_findings=int(values["max_findings"]),
        distinct_cap=int(values["distinct_cap"]),
        time_limit_s=float(values["time_limit_s"]),
        memory_mb=max(1, memory_mb),
    )
    return BudgetDecision(budget, tier.name, reasons)
