"""Redaction: planted secrets never appear verbatim in a snapshot or a report."""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pytest_statharness.dataset import open_dataset
from pytest_statharness.redaction import (
    escape_markdown,
    looks_secret,
    redact_findings,
    redact_text,
    secret_columns,
    secret_reason,
)

ROOT = Path(__file__).resolve().parents[1]


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        digits = body + check
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch)
            if i % 2:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        if total % 10 == 0:
            return digits
    raise AssertionError


def planted(rows: int = 300, seed: int = 7) -> tuple[pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    alnum = np.array(list(string.ascii_letters + string.digits))
    symbols = np.array(list(string.ascii_letters + string.digits + "!#$%&*+-=?@^_"))

    def token(chars, n):
        return "".join(rng.choice(chars, n))

    frame = pd.DataFrame(
        {
            "amount": rng.lognormal(3, 1, rows).round(2),
            "units": rng.integers(0, 30, rows),
            "region": rng.choice(["north", "south", "east"], rows),
            "contact": [f"user{i}.{token(alnum, 4).lower()}@example.com" for i in range(rows)],
            "secret": [token(symbols, 12) + str(i % 10) + "aB!" for i in range(rows)],
            "api_key": ["sk_live_" + token(alnum, 24) for _ in range(rows)],
            "ssn": [
                f"{rng.integers(100, 900)}-{rng.integers(10, 99)}-{1000 + i}" for i in range(rows)
            ],
            "card": [
                "-".join(c[k : k + 4] for k in range(0, 16, 4))
                for c in (
                    _luhn_complete("4" + "".join(map(str, rng.integers(0, 10, 14))))
                    for _ in range(rows)
                )
            ],
            "session": [token(np.array(list("0123456789abcdef")), 32) for _ in range(rows)],
            "note": ["<img src=x onerror=alert(1)> [click](http://evil.example) `rm`"] * rows,
        }
    )
    secrets = [
        v
        for column in ("contact", "secret", "api_key", "ssn", "card", "session")
        for v in frame[column]
    ]
    return frame, secrets


@pytest.mark.parametrize(
    "value",
    [
        "alice@example.com",
        "123-45-6789",
        "4111111111111111",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "xK9#mP2$qL",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ],
)
def test_secret_values_are_recognised(value) -> None:
    assert looks_secret(value)


@pytest.mark.parametrize(
    "value",
    [
        "C0000001",
        "R001",
        "2024-01-01T00:00:00",
        "2024-01-01 12:30:00+02:00",
        "north",
        "12.5",
        "-3e10",
        "ORD-000123",
        "hello world 12345",
        "profile_numeric",
        "4111111111111112",  # fails the Luhn check
    ],
)
def test_ordinary_values_are_not_secret(value) -> None:
    assert not looks_secret(value)


def test_column_decision_needs_most_values_and_distinct_ones() -> None:
    assert (
        secret_reason(["a@b.io", "c@d.io", "e@f.io", "x"])
        == "3 of 4 values look like e-mail addresses"
    )
    assert secret_reason(["a@b.io"] + ["north"] * 5) is None
    assert secret_reason(["xK9#mP2$qL"] * 10) is None  # one repeated value: a constant, not secrets


def test_fixture_datasets_have_no_secret_looking_columns() -> None:
    """So their snapshots do not change with redaction on (the default)."""
    for name, file in (
        ("events_small", "events_small.parquet"),
        ("events_planted", "events_planted.csv"),
    ):
        assert secret_columns(open_dataset(name, str(ROOT / "fixtures" / "data" / file))) == {}


def test_findings_without_secrets_are_returned_as_they_are() -> None:
    findings = [
        {
            "id": "x",
            "title": "mean of 'amount'",
            "measurement": {"values": {"mean": 1.5}},
            "evidence": {"columns": ["amount"], "dataset_fingerprint": "sha256:" + "ab12" * 16},
        }
    ]
    assert redact_findings(findings, {}, "hash")[0] is findings[0]


def test_a_numbers_fraction_digits_are_no_card_number() -> None:
    """54.463745723640116: 15 digits after the point pass the Luhn check, and a mixed
    column's example value was shown as '54.redacted:sha256:...'."""
    text = "examples: 54.463745723640116, 0.4111111111111111 and -7.4111111111111111e3"
    assert redact_text(text, "hash", words=False) == text
    card = "paid with 4111111111111111."
    assert redact_text(card, "mask", words=False) == "paid with redacted."


def test_modes_hash_mask_none() -> None:
    finding = {
        "id": "x",
        "title": "top value alice@example.com",
        "measurement": {"values": {"top": {"alice@example.com": 3}}},
        "evidence": {"columns": ["contact"]},
    }
    hashed = redact_findings([finding], {"contact": "e-mail"}, "hash")[0]
    masked = redact_findings([finding], {"contact": "e-mail"}, "mask")[0]
    assert "alice" not in str(hashed) and "redacted:sha256:" in hashed["title"]
    assert masked["measurement"]["values"]["top"] == {"redacted": 3}
    assert masked["evidence"]["columns"] == ["contact"]
    assert redact_findings([finding], {}, "none")[0] is finding


def test_markdown_escaping() -> None:
    text = escape_markdown("<img src=x onerror=alert(1)> [a](b) `c` |d\nnext")
    assert "<" not in text and ">" not in text and "\n" not in text
    assert "\\[a\\]" in text and "\\`c\\`" in text and "\\|d" in text


def _artifacts(root: Path) -> dict[Path, str]:
    return {
        p: p.read_text(encoding="utf-8", errors="replace")
        for p in root.rglob("*")
        if p.is_file() and p.suffix in (".json", ".md", ".html", ".txt")
    }


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hash", "mask"])
def test_planted_secrets_never_reach_an_artifact(pytester: pytest.Pytester, mode) -> None:
    frame, secrets = planted()
    path = pytester.path / "people.csv"
    frame.to_csv(path, index=False)
    result = pytester.runpytest(
        "--stat-dataset",
        "people=people.csv",
        "--snapshot-update",
        "--stat-redact",
        mode,
        "-p",
        "no:cacheprovider",
    )
    assert result.ret in (0, 1), result.stdout.str()
    texts = {
        **_artifacts(pytester.path / "snapshots"),
        **_artifacts(pytester.path / "appdata" / "runs"),
    }
    assert any(p.name == "report.md" for p in texts)
    leaks = [(p.name, s) for p, text in texts.items() for s in secrets if s in text]
    assert sorted(set(leaks)) == [], sorted(set(leaks))
    report_md = next(t for p, t in texts.items() if p.name == "report.md")
    assert "<img" not in report_md and "onerror=alert(1)>" not in report_md


@pytest.mark.slow
def test_redact_none_keeps_values(pytester: pytest.Pytester) -> None:
    frame, secrets = planted(rows=120)
    frame.to_csv(pytester.path / "people.csv", index=False)
    result = pytester.runpytest(
        "--stat-dataset",
        "people=people.csv",
        "--snapshot-update",
        "--stat-redact",
        "none",
        "-p",
        "no:cacheprovider",
    )
    assert result.ret in (0, 1)
    texts = _artifacts(pytester.path / "snapshots")
    assert any(s in text for text in texts.values() for s in secrets)


def test_bad_redact_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "d.csv").write_text("a\n1\n2\n")
    result = pytester.runpytest("--stat-dataset", "d=d.csv", "--stat-redact", "sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --stat-redact 'sometimes': choose one of hash, mask, none"]
    )


def test_secret_reason_equals_testing_every_value() -> None:
    """Testing each distinct value once, and stopping once hits cannot reach half, gives
    the answer of testing every value."""
    import random
    from collections import Counter as _Counter

    from pytest_statharness.redaction import (
        _EMAIL,
        _SSN,
        looks_like_token,
        looks_secret,
        secret_reason,
    )

    def reference(values):
        values = [v for v in values if isinstance(v, str) and v.strip()]
        if not values:
            return None
        hits = [v for v in values if looks_secret(v)]
        if len(hits) * 2 < len(values) or len(set(hits)) * 2 < len(hits):
            return None
        kinds = _Counter(
            "e-mail addresses"
            if _EMAIL.fullmatch(v.strip())
            else "SSNs"
            if _SSN.fullmatch(v.strip())
            else "tokens"
            if looks_like_token(v.strip())
            else "card numbers"
            for v in hits
        )
        kind = max(sorted(kinds), key=kinds.__getitem__)
        return f"{len(hits)} of {len(values)} values look like {kind}"

    pool = [
        "ann@example.com",
        "bob.smith@mail.org",
        "123-45-6789",
        "4111 1111 1111 1111",
        "sk_live_9fA3kL0qZ7",
        "C0000001",
        "north",
        "late delivery, box",
        "",
        None,
        "  ",
    ]
    rng = random.Random(5)
    for _ in range(300):
        size = rng.randint(0, 40)
        values = [rng.choice(pool) for _ in range(size)]
        if rng.random() < 0.5:
            values += [f"user{i}@example.com" for i in range(rng.randint(0, 20))]
        assert secret_reason(values) == reference(values), values


def test_a_value_redacted_in_the_measurement_is_redacted_in_the_title_too() -> None:
    """AEP: 'source' (URLs with tokens) goes missing by 'org'. The org levels under the
    values are replaced (a finding about a secret column); the title said them in clear."""
    finding = {
        "title": "'source' goes missing with 'org': 69% of rows at Newspoll against 0% at 1",
        "measurement": {"values": {"highest_level": "Newspoll", "lowest_level": "1", "rate": 0.69}},
        "evidence": {"columns": ["source", "org"]},
    }
    [out] = redact_findings([finding], {"source": "tokens"}, "hash")
    high = out["measurement"]["values"]["highest_level"]
    low = out["measurement"]["values"]["lowest_level"]
    assert high.startswith("redacted:sha256:") and low.startswith("redacted:sha256:")
    assert out["title"] == (
        f"'source' goes missing with 'org': 69% of rows at {high} against 0% at {low}"
    )


def test_an_address_inside_a_long_value_is_found_where_its_run_starts() -> None:
    """The e-mail pattern starts a match only where a run of address characters starts
    (a 200,000-letter value without '@' was tried from each letter: minutes); the match is
    the same leftmost one."""
    from pytest_statharness.redaction import _EMAIL

    long_run = "x" * 50_000
    assert _EMAIL.findall(f"write to {long_run}.a.b@example.org today") == [
        f"{long_run}.a.b@example.org"
    ]
    assert _EMAIL.findall("a.b+c@x-y.co.uk, d@e.io") == ["a.b+c@x-y.co.uk", "d@e.io"]
    assert _EMAIL.findall(long_run) == []
