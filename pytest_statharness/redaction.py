"""Redaction: data values that look secret never reach a snapshot or a report verbatim.

Policy ``--stat-redact`` (ini ``stat_redact``): ``hash`` (default), ``mask`` or ``none``.

* A string column *looks secret* when at least half of its first
  :data:`DETECT_ROWS` non-null values look like a secret (below) and at least half of
  those are distinct. The decision uses the values, never the column's name.
* A value *looks like a secret* when it is an e-mail address, a US social security number,
  a payment card number (13-19 digits passing the Luhn check), or a token: at least 8
  characters, no whitespace, at least 3 letters and a digit, and either 3 character classes
  (lower, upper, digit, symbol) with both cases or at least 20 characters of at least 3.5 bits of entropy
  per character (API keys, session tokens, random passwords). ISO dates, numbers and
  identifiers such as ``C0000001`` do not.
* In a finding about a secret column, every string of its measured values (and every key,
  such as a top value) is replaced, and secret-looking words anywhere in it (its title);
  the e-mail/SSN/card patterns are replaced in every finding: ``hash`` writes
  ``redacted:sha256:<12 hex>`` (equal values stay equal, so counts still read), ``mask``
  writes ``redacted``. Numbers are never rewritten: a card number stored as an integer
  column is not recognised (docs/security.md says so).

Data without such values gives the same findings, byte for byte, as before redaction
existed. :func:`escape_markdown` makes any value safe to print in report.md.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter

REDACT_MODES = ("hash", "mask", "none")
DEFAULT_MODE = "hash"
DETECT_ROWS = 65536
# a match starts only where a run of address characters starts (the look-behind): a
# 200,000-letter value with no '@' was tried from every one of its letters, O(n^2), and
# took minutes; the leftmost match is the same either way
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_SSN = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
#: digits after a decimal point are a number's fraction, not a card (54.463745723640116)
_CARD = re.compile(r"(?<![\w.-])(?:\d[ -]?){12,18}\d(?![\w-]|\.\d)")
_WORD = re.compile(r"[^\s'\"`<>()\[\]{},;]+")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _cards(text: str) -> list[str]:
    out = []
    for match in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            out.append(match.group())
    return out


def _entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_like_token(text: str) -> bool:
    if len(text) < 8 or any(ch.isspace() for ch in text):
        return False
    letters = sum(ch.isalpha() for ch in text)
    if letters < 3 or not any(ch.isdigit() for ch in text):
        return False
    classes = (
        any(ch.islower() for ch in text)
        + any(ch.isupper() for ch in text)
        + any(ch.isdigit() for ch in text)
        + any(not ch.isalnum() for ch in text)
    )
    mixed_case = any(ch.islower() for ch in text) and any(ch.isupper() for ch in text)
    return (classes >= 3 and mixed_case) or (len(text) >= 20 and _entropy(text) >= 3.5)


def looks_secret(text: str) -> bool:
    """True for an e-mail address, an SSN, a card number or a token (see module doc)."""
    text = text.strip()
    return bool(
        _EMAIL.fullmatch(text)
        or _SSN.fullmatch(text)
        or (_cards(text) and _cards(text)[0] == text)
        or looks_like_token(text)
    )


def secret_reason(values) -> str | None:
    """Why a column with these (first) values looks secret; None when it does not."""
    values = [v for v in values if isinstance(v, str) and v.strip()]
    if not values:
        return None
    verdicts: dict[str, bool] = {}  # each distinct value is tested once
    hits = []
    misses = 0
    for v in values:
        verdict = verdicts.get(v)
        if verdict is None:
            verdict = verdicts[v] = looks_secret(v)
        if verdict:
            hits.append(v)
        else:
            misses += 1
            if misses * 2 > len(values):  # hits can no longer reach half
                return None
    if len(hits) * 2 < len(values) or len(set(hits)) * 2 < len(hits):
        return None
    kinds = Counter(
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


def secret_columns(dataset) -> dict[str, str]:
    """Columns of ``dataset`` that look secret: name -> reason (cached on the dataset)."""
    cached = getattr(dataset, "_secret_columns", None)
    if cached is not None:
        return cached
    import pyarrow as pa

    names = [
        f.name
        for f in dataset.schema
        if pa.types.is_string(f.type)
        or pa.types.is_large_string(f.type)
        or (pa.types.is_dictionary(f.type) and pa.types.is_string(f.type.value_type))
    ]
    found: dict[str, str] = {}
    if names:
        seen: dict[str, list] = {n: [] for n in names}
        for batch in dataset.iter_batches(names, batch_size=DETECT_ROWS):
            for n in names:
                room = DETECT_ROWS - len(seen[n])
                if room > 0:
                    seen[n].extend(v for v in batch.column(n).to_pylist()[:room] if v is not None)
            if all(len(v) >= DETECT_ROWS for v in seen.values()):
                break
        for n in names:
            reason = secret_reason(seen[n])
            if reason:
                found[n] = reason
    dataset._secret_columns = found
    return found


def _replacement(text: str, mode: str) -> str:
    if mode == "mask":
        return "redacted"
    return "redacted:sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def redact_text(text: str, mode: str, *, words: bool) -> str:
    """``text`` with e-mail/SSN/card patterns (always) and secret-looking words (``words``)
    replaced."""
    if mode == "none" or not text:
        return text
    if words and looks_secret(text):
        return _replacement(text.strip(), mode)
    out = _EMAIL.sub(lambda m: _replacement(m.group(), mode), text)
    out = _SSN.sub(lambda m: _replacement(m.group(), mode), out)
    for card in _cards(out):
        out = out.replace(card, _replacement(card, mode))
    if words:
        out = _WORD.sub(
            lambda m: _replacement(m.group(), mode) if looks_like_token(m.group()) else m.group(),
            out,
        )
    return out


_KEEP = frozenset({"id", "analysis_id", "kind", "severity", "method", "reference"})


def _walk(value, mode: str, words: bool, key: str | None = None, every: bool = False):
    """Redact strings (and dict keys) in ``value``: patterns always, secret-looking words
    when ``words``, and every string when ``every`` (the values of a secret column)."""

    def text(s: str) -> str:
        return _replacement(s, mode) if every else redact_text(s, mode, words=words)

    if isinstance(value, str):
        return value if key in _KEEP else text(value)
    if isinstance(value, list):
        return [_walk(v, mode, words, key, every) for v in value]
    if isinstance(value, dict):
        if words and key == "measurement" and isinstance(value.get("values"), dict):
            # the measured values of a secret column: names kept, every string under them
            values = {k: _walk(v, mode, words, k, True) for k, v in value["values"].items()}
            rest = _walk({k: v for k, v in value.items() if k != "values"}, mode, words, None)
            return {**rest, "values": values}
        return {
            (text(k) if isinstance(k, str) else k): _walk(v, mode, words, k, every)
            for k, v in value.items()
        }
    return value


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    return []


def _same_in_title(original: dict, redacted: dict) -> None:
    """A measured string replaced in a finding about a secret column is replaced in its
    title too: AEP's 'source' (URLs) goes missing by 'org', and the title must not print
    'Newspoll' where the values say redacted:sha256:... (nor leak what they hide)."""
    before = _strings((original.get("measurement") or {}).get("values"))
    after = _strings((redacted.get("measurement") or {}).get("values"))
    swaps = {b: a for b, a in zip(before, after, strict=False) if b != a and b.strip()}
    title = redacted.get("title")
    if not swaps or not isinstance(title, str):
        return
    for old in sorted(swaps, key=lambda t: (-len(t), t)):
        # whole values only: a level "1" is not the 1 of "21%"
        pattern = re.compile(r"(?<![\w.])" + re.escape(old) + r"(?![\w])")
        title = pattern.sub(lambda _m, new=swaps[old]: new, title)
    redacted["title"] = title


def _keep_fixed(finding: dict) -> dict:
    """Parts of a finding that are never data: ids, fingerprints, columns, methods."""
    evidence = finding.get("evidence", {})
    return {
        "dataset_fingerprint": evidence.get("dataset_fingerprint"),
        "columns": evidence.get("columns"),
        "spec_hash": evidence.get("spec_hash"),
    }


def redact_findings(findings: list[dict], secrets: dict[str, str], mode: str) -> list[dict]:
    """Findings with secret-looking values replaced (see module doc); ``none``: unchanged.

    Findings that no string changes are returned as they are (same objects), so data
    without secrets gives the same bytes as before.
    """
    if mode == "none":
        return findings
    out = []
    for finding in findings:
        columns = set(finding.get("evidence", {}).get("columns") or [])
        words = bool(columns & set(secrets))
        redacted = _walk(finding, mode, words)
        if words:
            _same_in_title(finding, redacted)
        evidence = redacted.get("evidence")
        if isinstance(evidence, dict):
            for key, value in _keep_fixed(finding).items():
                if value is not None:
                    evidence[key] = value
        out.append(finding if redacted == finding else redacted)
    return out


_MD_SPECIAL = re.compile(r"([\\`\[\]|])")


def escape_markdown(text: str) -> str:
    """``text`` safe inside one Markdown line or table cell: HTML escaped (no tag, no
    ``onerror=``), the characters that open code, links, images or cells backslash-escaped,
    line breaks made spaces."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)
