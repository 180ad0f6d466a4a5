"""The ``label_variants`` analysis (quality family): one label written several ways, and
placeholders written as labels.

Why: 'Versailles' beside 'versailles', 'Male' beside ' Male' split one group in two, and
every count, rate and comparison by that column is then wrong without a word. A
placeholder written as a label ('*', 'NA_NA') becomes a level of its own: Titanic's
PClass '*' is a fourth class in every test by class. Both are what a data engineer fixes
first, and neither shows in a profile's top values. Labels padded with spaces (' R',
' D' of piracy's party on every row; ISLR's Credit ' Male') have no unpadded twin and are
no variant, yet a filter on 'R' matches no row and a join on them fails: they are said too.

One analysis per module so the file tree leads to it; what other quality analyses
also use is in ``_common.py``, the family's overview in ``quality/__init__.py``.
"""

from __future__ import annotations

import re
from collections import defaultdict

from pytest_statharness import Analysis, ColumnKind, ColumnRole, MemoryModel, Plan

from .._shared.counts import add_counts, valid_values, value_counts
from .._shared.report import cap_findings, medium_members, named, said_once
from .._shared.summaries import unknown_level

#: exact value counts are kept for columns of at most this many distinct values (a
#: category's levels; a column of names or ids has more, and is no set of labels)
MAX_LEVELS = 1000
#: two codes this short that differ only in case are distinct codes (a genotype's 'Aa'
#: and 'aa', a blood group's 'a' and 'A' in some code books)
SHORT_CODE = 3
#: groups of variants shown in a title; the finding lists up to MAX_GROUPS
TITLE_GROUPS = 2
MAX_GROUPS = 10
#: a placeholder is reported among at least this many other labels (a column of '*' and
#: '-' marks only is a code of its own)
PLACEHOLDER_MIN_LEVELS = 2

VARIANT_RULE = (
    "labels equal once surrounding and repeated spaces are dropped and case is ignored "
    f"(not codes of at most {SHORT_CODE} characters that differ only in case: a "
    "genotype's 'Aa' and 'aa'; nor labels differing only in case in a column holding every "
    "label once: keys such as Journals' 'JoFI' and 'JoFi') are one label written several "
    "ways: each way is a group of "
    "its own in every count and comparison by the column; medium"
)
PLACEHOLDER_RULE = (
    "a label made of punctuation alone ('*', '?', '--'), of missing-value words joined "
    "('NA_NA'), or saying the value is not known ('Unknown', 'Not recorded', 'nk'), beside "
    f"at least {PLACEHOLDER_MIN_LEVELS} other labels: a placeholder counted as a level of "
    "its own; medium (not 'DK' or 'NA' among codes of 2 or 3 capital letters, 90% of 10 or "
    "more labels: Denmark and Namibia among countries)"
)


#: padded labels are medium from this share of the column's rows (a name or two written
#: with a trailing space among hundreds is a typo, low)
PADDED_MEDIUM_SHARE = 0.05
PADDED_RULE = (
    "labels with spaces before or after them and no unpadded twin (' R', 'Male ': the "
    "unpadded label is in no row, so no variant): a filter or a join on the label as read "
    f"matches none of their rows; medium from {PADDED_MEDIUM_SHARE:.0%} of the column's "
    "rows, outside a column holding every label once (a key); else low"
)
#: this many columns or more padding their labels are one fact (a fixed-width export)
PADDED_GROUP_MIN = 3
PADDED_GROUP_RULE = (
    "{k} columns pad their labels with spaces: one way the data were written (a "
    "fixed-width export), reported once (medium); each column's own finding is low"
)

#: this many columns or more holding the same placeholder label are one fact (monica's
#: 'nk' in seven yes/no histories: one way the form was filled in)
PLACEHOLDER_GROUP_MIN = 3
PLACEHOLDER_GROUP_RULE = (
    "{k} columns hold the placeholder {label!r}: one way the data were recorded, reported "
    "once (medium); each column's own finding is low"
)


def _one_placeholder_fact(ctx, out: list[dict]) -> list[dict]:
    """One medium finding per placeholder label held by PLACEHOLDER_GROUP_MIN columns or
    more, their own findings made low; [] when none is."""
    by_label: dict[str, list[dict]] = {}
    for f in out:
        if f["kind"] != "placeholder_labels":
            continue
        for p in f["measurement"]["values"]["placeholders"]:
            by_label.setdefault(p["label"].strip().casefold(), []).append(f)
    groups = []
    for label, members in sorted(by_label.items()):
        members = [f for f in members if f["severity"] == "medium"]
        if len(members) < PLACEHOLDER_GROUP_MIN:
            continue
        written = members[0]["measurement"]["values"]["placeholders"][0]["label"]
        rule = PLACEHOLDER_GROUP_RULE.format(k=len(members), label=written)
        said_once(members, rule)
        names = [f["subject"]["column"] for f in members]
        rows = {
            f["subject"]["column"]: sum(
                p["rows"]
                for p in f["measurement"]["values"]["placeholders"]
                if p["label"].strip().casefold() == label
            )
            for f in members
        }
        groups.append(
            ctx.finding(
                kind="placeholder_labels_shared",
                title=f"{len(names)} columns hold {written!r} among their labels: {named(names)}",
                subject={"label": written, "columns": names},
                values={"columns": len(names), "rows": rows},
                units={"columns": "count", "rows": "count"},
                severity="medium",
                columns=names,
                parameters={"rule": rule},
            )
        )
    return groups


def _one_padding_fact(ctx, out: list[dict]) -> list[dict]:
    """One medium finding when PADDED_GROUP_MIN columns or more pad their labels at
    medium, their own findings made low; [] otherwise."""
    members = medium_members(out, "padded_labels", PADDED_GROUP_MIN)
    if not members:
        return []
    rule = PADDED_GROUP_RULE.format(k=len(members))
    said_once(members, rule)
    names = [f["subject"]["column"] for f in members]
    rows = {f["subject"]["column"]: f["measurement"]["values"]["padded_rows"] for f in members}
    return [
        ctx.finding(
            kind="padded_labels_shared",
            title=f"{len(names)} columns pad their labels with spaces: {named(names)}",
            subject={"columns": names},
            values={"columns": len(names), "rows": rows},
            units={"columns": "count", "rows": "count"},
            severity="medium",
            columns=names,
            parameters={"rule": rule},
        )
    ]


#: a code of 2 or 3 capital letters (a country's ISO code, a state's)
LETTER_CODE = re.compile(r"[A-Z]{2,3}")
#: ... that make up this share of a column's labels, of at least LETTER_CODES_MIN labels
LETTER_CODES_SHARE = 0.9
LETTER_CODES_MIN = 10


def letter_codes(counts: dict[str, int]) -> bool:
    """Whether a column's labels are codes of 2 or 3 capital letters: there 'DK' is
    Denmark and 'NA' Namibia, not "don't know" or "not available" (wbd_example's iso2c,
    rater BS)."""
    labels = [label.strip() for label in counts]
    shaped = sum(1 for label in labels if LETTER_CODE.fullmatch(label))
    return len(labels) >= LETTER_CODES_MIN and shaped >= LETTER_CODES_SHARE * len(labels)


def padded_labels(counts: dict[str, int], groups: list) -> list[tuple[str, int]]:
    """Labels with spaces around them that no variant group holds (the unpadded label is
    in no row), sorted by rows (most first, then label)."""
    in_groups = {label for g in groups for label, _ in g}
    return sorted(
        (
            (label, k)
            for label, k in counts.items()
            if label != label.strip() and label.strip() and label not in in_groups
        ),
        key=lambda m: (-m[1], m[0]),
    )


#: words closing a company's name that say its legal form: 'AIRBUS' and 'AIRBUS
#: INDUSTRIE', 'CANADAIR' and 'CANADAIR LTD' are one maker written two ways ('limited'
#: is not: 'buick century limited' is a trim of the 'buick century')
LEGAL_FORMS = frozenset(
    {
        "inc", "incorporated", "ltd", "co", "corp", "corporation", "company",
        "llc", "gmbh", "ag", "sa", "plc", "industrie", "industries", "holdings",
    }
)  # fmt: skip


def normalized(label: str) -> str:
    """The label with surrounding and repeated spaces dropped, case folded, and closing
    legal-form words ('LTD', 'Corp.', 'INDUSTRIE') dropped when a name remains."""
    words = label.casefold().split()
    while len(words) > 1 and words[-1].strip(".,") in LEGAL_FORMS:
        words.pop()
        words[-1] = words[-1].rstrip(",")
    return " ".join(words)


def variant_groups(counts: dict[str, int]) -> list[list[tuple[str, int]]]:
    """Groups of two or more labels that :func:`normalized` makes equal, each sorted by
    rows (most first, then label), the groups by the rows of their minor variants (most
    first, then first label); short codes differing only in case are left out, and so
    are labels differing only in case in a column that holds every label once (keys)."""
    by_key: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for label, rows in counts.items():
        by_key[normalized(label)].append((label, rows))
    # every label on one row: the column keys its rows (Journals' abbreviations), and
    # labels that differ in case only are two keys ('JoFI' and 'JoFi'), not one label
    keys = all(rows == 1 for rows in counts.values())
    out = []
    for key, members in by_key.items():
        if len(members) < 2:
            continue
        spaced = all(label == " ".join(label.split()) for label, _ in members)
        if spaced and (len(key) <= SHORT_CODE or keys):
            continue  # case alone tells short codes and keys apart
        out.append(sorted(members, key=lambda m: (-m[1], m[0])))
    return sorted(out, key=lambda g: (-sum(r for _, r in g[1:]), g[0][0]))


class LabelVariants(Analysis):
    id = "label_variants"
    associative_merge = True  # count maps add up to the same bytes in any order (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = f"exact label counts per text column of at most {MAX_LEVELS} distinct values"
    family = "quality"
    title = "One label written several ways; placeholders written as labels"
    requires = (ColumnKind.CATEGORICAL,)
    exact = True
    passes = 1
    method = (
        f"per text column of at most {MAX_LEVELS} distinct values (the dataset's exact "
        "count; not free text), exact row counts of every label in one pass. Variants: "
        + VARIANT_RULE
        + ". Placeholders: "
        + PLACEHOLDER_RULE
        + f". {PLACEHOLDER_GROUP_MIN} or more columns holding the same placeholder are one "
        "medium finding naming them (monica's 'nk' in seven histories), each column's own "
        "low. Padding: "
        + PADDED_RULE
        + f"; {PADDED_GROUP_MIN} or more columns padded at medium are one medium finding, "
        "each column's own low. One info summary per analysis"
    )
    reference = (
        "Rahm & Do (2000), Data cleaning: problems and current approaches, IEEE Data Eng. "
        "Bull. 23(4) (inconsistent values, dummy values)"
    )
    access = "streamed; one pass of exact label counts"

    def plan(self, dataset, budget):
        kept = [
            c
            for c in dataset.columns_of(ColumnKind.CATEGORICAL)
            if dataset.column(c).distinct_exact
            and 2 <= dataset.column(c).distinct_at_least <= min(MAX_LEVELS, budget.distinct_cap)
            and dataset.column(c).role != ColumnRole.FREE_TEXT
        ]
        if not kept:
            return None
        return Plan(tuple(kept[: budget.max_columns]), {}, {})

    def init(self, ctx):
        return {c: {} for c in ctx.columns}

    def update(self, state, chunk, ctx):
        for c in ctx.columns:
            add_counts(state[c], value_counts(valid_values(chunk, c)))
        return state

    def merge(self, a, b, ctx):
        return {c: dict(sorted(add_counts(dict(a[c]), b[c]).items())) for c in a}

    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        for c in ctx.columns:
            # labels only: a calendar part analysed as a grouping is categorical too
            counts = {label: k for label, k in state[c].items() if isinstance(label, str)}
            groups = variant_groups(counts)
            if groups:
                out.append(self._variants(ctx, c, groups))
            coded = letter_codes(counts)
            placeholders = sorted(
                (label, k)
                for label, k in counts.items()
                if unknown_level(label)  # '*', 'NA_NA', 'Unknown', 'nk' (_shared.summaries)
                and not (coded and LETTER_CODE.fullmatch(label.strip()))
            )
            others = len(counts) - len(placeholders)
            if placeholders and others >= PLACEHOLDER_MIN_LEVELS:
                out.append(self._placeholders(ctx, c, placeholders, sum(counts.values())))
            padded = padded_labels(counts, groups)
            if padded:
                out.append(self._padded(ctx, c, padded, counts))
        flagged = len({f["subject"]["column"] for f in out})
        out = _one_placeholder_fact(ctx, out) + _one_padding_fact(ctx, out) + out
        summary = ctx.finding(
            kind="label_variants_screen",
            title=f"Label screen: {flagged} of {len(ctx.columns)} text columns write a label "
            "several ways, hold a placeholder or pad labels with spaces",
            subject={"columns": list(ctx.columns)},
            values={"columns_screened": len(ctx.columns), "columns_flagged": flagged},
            units={"columns_screened": "count", "columns_flagged": "count"},
            severity="info",
            columns=list(ctx.columns),
        )
        return cap_findings(ctx, out, summary)

    @staticmethod
    def _variants(ctx, c: str, groups: list) -> dict:
        minor = sum(k for g in groups for _, k in g[1:])
        shown = "; ".join(
            " / ".join(f"{label!r} ({k})" for label, k in g) for g in groups[:TITLE_GROUPS]
        )
        more = f"; {len(groups) - TITLE_GROUPS} more" if len(groups) > TITLE_GROUPS else ""
        return ctx.finding(
            kind="label_variants",
            title=f"{c!r} writes {len(groups)} label{'s' if len(groups) > 1 else ''} more "
            f"than one way: {shown}{more}",
            subject={"column": c},
            values={
                "variant_groups": len(groups),
                "rows_in_minor_variants": minor,
                "groups": [
                    [{"label": label, "rows": k} for label, k in g] for g in groups[:MAX_GROUPS]
                ],
            },
            units={"variant_groups": "count", "rows_in_minor_variants": "count", "groups": "count"},
            severity="medium",
            columns=[c],
            parameters={"rule": VARIANT_RULE},
        )

    @staticmethod
    def _placeholders(ctx, c: str, placeholders: list, total: int) -> dict:
        """One column's placeholder labels: punctuation or joined missing-value words
        ('*', 'NA_NA'), or words saying the value is not known ('Unknown', 'nk')."""
        rows = sum(k for _, k in placeholders)
        share = f"{rows / total:.1%}" if total else "-"
        shown = (
            f"{placeholders[0][0]!r} ({rows} row{'s' if rows != 1 else ''}, {share})"
            if len(placeholders) == 1
            else ", ".join(f"{label!r} ({k})" for label, k in placeholders[:5])
            + f" ({rows} rows, {share})"
        )
        return ctx.finding(
            kind="placeholder_labels",
            title=f"{c!r} holds {shown} among its labels: values not known, counted as a level",
            subject={"column": c},
            values={
                "placeholder_rows": rows,
                "share": rows / total if total else None,
                "placeholders": [{"label": label, "rows": k} for label, k in placeholders],
            },
            units={"placeholder_rows": "count", "share": "ratio", "placeholders": "count"},
            severity="medium",
            columns=[c],
            parameters={"rule": PLACEHOLDER_RULE},
        )

    @staticmethod
    def _padded(ctx, c: str, padded: list, counts: dict[str, int]) -> dict:
        """One column's labels padded with spaces (no unpadded twin)."""
        total = sum(counts.values())
        rows = sum(k for _, k in padded)
        share = rows / total if total else 0.0
        key = all(k == 1 for k in counts.values())
        medium = share >= PADDED_MEDIUM_SHARE and not key
        shown = ", ".join(f"{label!r} ({k})" for label, k in padded[:3])
        more = f" and {len(padded) - 3} more" if len(padded) > 3 else ""
        return ctx.finding(
            kind="padded_labels",
            title=f"{c!r} pads {len(padded)} label{'s' if len(padded) > 1 else ''} with "
            f"spaces: {shown}{more} ({rows} of {total} rows); a filter on "
            f"{padded[0][0].strip()!r} matches none of them",
            subject={"column": c},
            values={
                "padded_labels": len(padded),
                "padded_rows": rows,
                "share": share,
                "labels": [{"label": label, "rows": k} for label, k in padded[:MAX_GROUPS]],
            },
            units={
                "padded_labels": "count",
                "padded_rows": "count",
                "share": "ratio",
                "labels": "count",
            },
            severity="medium" if medium else "low",
            columns=[c],
            parameters={"rule": PADDED_RULE},
        )
