"""The column kinds the harness infers, defined once.

Analyses declare which kinds they need; the dataset layer decides which kind each column
is from its Arrow type and from what its values look like, never from its name.
"""

from __future__ import annotations

from enum import StrEnum


class ColumnKind(StrEnum):
    NUMERIC = "numeric"
    INTEGER_ID = "integer_id"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    DURATION = "duration"
    TEXT = "text"
    OTHER = "other"


__all__ = ["ColumnKind"]
