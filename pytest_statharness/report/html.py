"""report.html: one self-contained file, plots drawn as inline SVG from report.json.

No script, no stylesheet or font from the network, no image files: the page opens offline
and shows the same numbers as report.json (every plotted value is read from a finding;
nothing is recomputed from the data). The SVG is written here rather than by matplotlib:
the plots are bars and steps, which need a few dozen lines, and the report then costs no
dependency and renders the same on every machine.

Plots: the distribution of every numeric column (``histogram`` findings, counts on a
log scale), missing values per column (``null_rate``), top categories
(``column_profile`` top values), leading digits against Benford's law, event-log
activities; daily series as the level between their changepoints (``changepoint``
findings: the level before and after each change, the change dates marked) with the
fitted Theil–Sen trend line over the same days (``trend`` findings: fitted start and end);
seasonal profiles as curves of rows per hour of day and per weekday (the counts the
``time_series`` finding keeps in its evidence), with the flat profile for reference and the
``seasonality`` finding's peak, trough and p-value in the caption. Findings keep no per-day
arrays (a 2M-row year would put 365 values per series into every snapshot), so a daily
series is drawn from its levels and trend, not day by day; the summary table of every
seasonality test stays below the plots.

Size: at most :data:`MAX_PLOTS` plots per kind and :data:`MAX_BYTES` in total; past the
bound, further plots are left out and the page says how many.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections import defaultdict

from ..scorecard import explored_items, explored_line, problem_items, score_text, verdict_text

MAX_BYTES = 3_000_000
MAX_PLOTS = 40
MAX_TABLE_ROWS = 200
W, H = 520, 160
PAD_L, PAD_B, PAD_T = 48, 22, 8

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;
max-width:1180px;padding:16px 24px;color:#1d232b;background:#fff}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde}
h3{font-size:14px;margin:12px 0 4px}table{border-collapse:collapse;margin:6px 0 12px;width:100%}
td,th{border:1px solid #dde;padding:3px 6px;text-align:left;vertical-align:top;font-size:13px}
th{background:#f3f5f8}.num{text-align:right;font-variant-numeric:tabular-nums}
.sev-high{color:#fff;background:#c0392b}.sev-medium{background:#f5b041}.sev-low{background:#d6eaf8}
.sev{padding:0 5px;border-radius:3px;font-size:12px}.grid{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;border:1px solid #e4e7ec;border-radius:4px;padding:6px}
figcaption{font-size:12px;color:#444;max-width:520px}svg text{font:10px sans-serif;fill:#333}
.muted{color:#667}.pill{display:inline-block;padding:2px 8px;border-radius:10px;background:#eef}
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _num(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:,.4g}"
    return str(value)


def _axis(value: float) -> str:
    """An axis label that fits left of the plot (at most ~7 characters): 956.5k, 1.2M."""
    if not isinstance(value, int | float) or not math.isfinite(value):
        return _num(value)
    for limit, unit, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(value) >= limit:
            return f"{value / unit:.4g}{suffix}"
    return f"{value:.4g}"


def _sev(severity: str) -> str:
    return f'<span class="sev sev-{_e(severity)}">{_e(severity)}</span>'


# -- SVG primitives ------------------------------------------------------------------------
def _frame(body: list[str], y_label: str, x_left: str, x_right: str, y_max: str) -> str:
    x0, y0 = PAD_L, H - PAD_B
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" role="img">',
        f'<line x1="{x0}" y1="{PAD_T}" x2="{x0}" y2="{y0}" stroke="#888"/>',
        f'<line x1="{x0}" y1="{y0}" x2="{W - 4}" y2="{y0}" stroke="#888"/>',
        f'<text x="{x0 - 4}" y="{PAD_T + 8}" text-anchor="end">{_e(y_max)}</text>',
        f'<text x="{x0 - 4}" y="{y0}" text-anchor="end">0</text>',
        f'<text x="{x0}" y="{H - 6}">{_e(x_left)}</text>',
        f'<text x="{W - 4}" y="{H - 6}" text-anchor="end">{_e(x_right)}</text>',
        f'<text x="{x0 + 4}" y="{PAD_T + 8}" fill="#667">{_e(y_label)}</text>',
        *body,
        "</svg>",
    ]
    return "".join(parts)


def _never_raises(draw):
    """A chart that cannot be drawn is left out; it never takes the report with it (a
    series indexed 't = 1', 't = 2' made steps_svg raise, and no report.md or report.html
    was written for any dataset of the run)."""

    @functools.wraps(draw)
    def guarded(*args, **kwargs) -> str:
        try:
            return draw(*args, **kwargs)
        except (ValueError, TypeError, ZeroDivisionError, OverflowError, IndexError):
            return ""

    return guarded


@_never_raises
def histogram_svg(edges: list, counts: list) -> str:
    """Bars of the counts on a log10(1 + count) scale (heavy tails stay visible)."""
    if not counts or len(edges) != len(counts) + 1:
        return ""
    peak = max(counts) or 1
    top = math.log10(1 + peak)
    plot_w, plot_h = W - PAD_L - 6, H - PAD_B - PAD_T
    bar_w = plot_w / len(counts)
    bars = []
    for i, c in enumerate(counts):
        if not c:
            continue
        h = plot_h * math.log10(1 + c) / top
        x = PAD_L + i * bar_w
        bars.append(
            f'<rect x="{x:.1f}" y="{H - PAD_B - h:.1f}" width="{max(bar_w - 0.3, 0.6):.1f}" '
            f'height="{h:.1f}" fill="#4a78b5"><title>[{_num(edges[i])}, {_num(edges[i + 1])}'
            f"): {c:,}</title></rect>"
        )
    return _frame(bars, "rows (log)", _num(edges[0]), _num(edges[-1]), _axis(peak))


@_never_raises
def hbar_svg(pairs: list[tuple[str, float]], *, fmt=_num, color="#4a78b5") -> str:
    """Horizontal bars, one per (label, value), largest scale = largest value."""
    if not pairs:
        return ""
    row = 16
    height = row * len(pairs) + 6
    label_w = 150
    plot_w = W - label_w - 70
    peak = max(v for _l, v in pairs) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" '
        f'viewBox="0 0 {W} {height}" role="img">'
    ]
    for i, (label, value) in enumerate(pairs):
        y = 3 + i * row
        w = plot_w * value / peak if peak else 0
        shown = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{label_w - 4}" y="{y + 11}" text-anchor="end">{_e(shown)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{max(w, 0.5):.1f}" height="{row - 4}" '
            f'fill="{color}"><title>{_e(label)}: {_e(fmt(value))}</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 11}">{_e(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@_never_raises
def benford_svg(observed: list, expected: list) -> str:
    if len(observed) != 9 or len(expected) != 9:
        return ""
    peak = max(max(observed), max(expected)) or 1
    plot_w, plot_h = W - PAD_L - 6, H - PAD_B - PAD_T
    step = plot_w / 9
    body = []
    for d in range(9):
        h = plot_h * observed[d] / peak
        x = PAD_L + d * step
        body.append(
            f'<rect x="{x + 4:.1f}" y="{H - PAD_B - h:.1f}" width="{step - 8:.1f}" '
            f'height="{h:.1f}" fill="#4a78b5"><title>digit {d + 1}: observed '
            f"{observed[d]:.4f}, Benford {expected[d]:.4f}</title></rect>"
            f'<text x="{x + step / 2:.1f}" y="{H - PAD_B + 11}" text-anchor="middle">{d + 1}</text>'
        )
    points = " ".join(
        f"{PAD_L + (d + 0.5) * step:.1f},{H - PAD_B - plot_h * expected[d] / peak:.1f}"
        for d in range(9)
    )
    body.append(f'<polyline points="{points}" fill="none" stroke="#c0392b" stroke-width="2"/>')
    return _frame(body, "share", "", "", f"{peak:.2f}")


@_never_raises
def steps_svg(
    segments: list[tuple[str, str, float]],
    trend: tuple[str, str, float, float] | None = None,
) -> str:
    """A series' level between its changepoints: (start date, end date, level) per segment;
    ``trend``: (first day, last day, fitted start, fitted end), drawn as a dashed line."""
    if not segments:
        return ""
    import datetime as dt

    def day(text):
        """A segment bound's position: a date's day number, or the number of a period
        index ('t = 12')."""
        try:
            return dt.date.fromisoformat(text[:10]).toordinal()
        except ValueError:
            number = re.search(r"-?\d+(?:\.\d+)?", text)
            if number is None:
                raise
            return float(number.group())

    start, end = day(segments[0][0]), day(segments[-1][1])
    span = max(end - start, 1)
    levels = [lvl for _a, _b, lvl in segments]
    if trend is not None:
        levels += [trend[2], trend[3]]
    low, high = min(0.0, min(levels)), max(levels)
    rng = (high - low) or 1.0
    plot_w, plot_h = W - PAD_L - 6, H - PAD_B - PAD_T
    body = []
    for a, b, level in segments:
        x1 = PAD_L + plot_w * (day(a) - start) / span
        x2 = PAD_L + plot_w * (day(b) - start) / span
        y = H - PAD_B - plot_h * (level - low) / rng
        body.append(
            f'<line x1="{x1:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y:.1f}" stroke="#4a78b5" '
            f'stroke-width="3"><title>{_e(a)} – {_e(b)}: level {_num(level)}</title></line>'
        )
    for a, _b, _l in segments[1:]:
        x = PAD_L + plot_w * (day(a) - start) / span
        body.append(
            f'<line x1="{x:.1f}" y1="{PAD_T}" x2="{x:.1f}" y2="{H - PAD_B}" stroke="#c0392b" '
            f'stroke-dasharray="3,3"><title>changepoint {_e(a)}</title></line>'
        )
    if trend is not None:
        first, last, y_first, y_last = trend
        x1 = PAD_L + plot_w * min(max(day(first) - start, 0), span) / span
        x2 = PAD_L + plot_w * min(max(day(last) - start, 0), span) / span
        y1 = H - PAD_B - plot_h * (y_first - low) / rng
        y2 = H - PAD_B - plot_h * (y_last - low) / rng
        body.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#2e8b57" '
            f'stroke-width="2" stroke-dasharray="6,3"><title>trend {_e(first)} {_num(y_first)}'
            f" → {_e(last)} {_num(y_last)}</title></line>"
        )
    return _frame(body, "level", segments[0][0][:10], segments[-1][1][:10], _axis(high))


@_never_raises
def curve_svg(
    labels: list[str], values: list[float], *, y_label: str, reference: float | None = None
) -> str:
    """A profile over a cycle: points joined by a line, every label on the x axis when they
    fit (else every k-th), ``reference`` as a dashed line (the flat profile)."""
    if len(labels) != len(values) or len(values) < 2:
        return ""
    if any(not isinstance(v, int | float) or not math.isfinite(v) for v in values):
        return ""
    peak = max(max(values), reference or 0.0) or 1.0
    plot_w, plot_h = W - PAD_L - 6, H - PAD_B - PAD_T
    step = plot_w / len(values)

    def xy(i: int, v: float) -> tuple[float, float]:
        return PAD_L + (i + 0.5) * step, H - PAD_B - plot_h * max(v, 0.0) / peak

    body = []
    if reference is not None:
        y = xy(0, reference)[1]
        body.append(
            f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - 6}" y2="{y:.1f}" stroke="#888" '
            f'stroke-dasharray="4,3"><title>flat profile: {_num(reference)}</title></line>'
        )
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
    body.append(f'<polyline points="{points}" fill="none" stroke="#4a78b5" stroke-width="2"/>')
    every = max(1, math.ceil(len(labels) / 12))
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        x, y = xy(i, v)
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#4a78b5">'
            f"<title>{_e(label)}: {_num(v)}</title></circle>"
        )
        if i % every == 0:
            body.append(
                f'<text x="{x:.1f}" y="{H - PAD_B + 11}" text-anchor="middle">{_e(label)}</text>'
            )
    return _frame(body, y_label, "", "", _axis(peak))


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# -- sections ------------------------------------------------------------------------------
def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>" if svg else ""


def _by_kind(report: dict) -> dict[str, list[tuple[dict, dict]]]:
    out: dict[str, list] = defaultdict(list)
    for item in report.get("items", []):
        for finding in item.get("findings", []):
            out[finding["kind"]].append((item, finding))
    return out


def _subject(finding: dict, key: str, default: str = "") -> str:
    return str(finding.get("subject", {}).get(key, default))


def plot_sections(report: dict) -> list[tuple[str, list[str]]]:
    kinds = _by_kind(report)
    sections = []
    figs = []
    for item, f in kinds.get("histogram", []):
        v = f["measurement"]["values"]
        figs.append(
            _figure(
                histogram_svg(v.get("bin_edges") or [], v.get("counts") or []),
                f"<b>{_e(_subject(f, 'column'))}</b> ({_e(item['dataset'])}): "
                f"{_num(v.get('count'))} values, {_num(v.get('bins'))} bins, "
                f"Q1 {_num(v.get('q1'))}, Q3 {_num(v.get('q3'))}",
            )
        )
    sections.append(("Distributions of numeric columns", figs))

    figs = []
    rates: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for item, f in kinds.get("null_rate", []):
        rates[item["dataset"]].append(
            (_subject(f, "column"), float(f["measurement"]["values"].get("null_rate", 0.0)))
        )
    for dataset, pairs in sorted(rates.items()):
        pairs.sort(key=lambda p: -p[1])
        figs.append(
            _figure(
                hbar_svg(pairs[:30], fmt=lambda x: f"{100 * x:.2f}%", color="#b5704a"),
                f"<b>missing values per column</b> ({_e(dataset)})",
            )
        )
    sections.append(("Missingness", figs))

    figs = []
    # the top values of an identifier (case ids, order numbers) say nothing: categories only
    keys = {
        (d.get("name"), c.get("name"))
        for d in report.get("datasets", [])
        for c in d.get("columns", [])
        if c.get("role") == "identifier"
    }
    for item, f in kinds.get("column_profile", []):
        top = f["measurement"]["values"].get("top_values")
        if not isinstance(top, list) or not top:
            continue
        if (item.get("dataset"), _subject(f, "column")) in keys:
            continue
        pairs = [(str(t.get("value")), float(t.get("count", 0))) for t in top[:12]]
        figs.append(
            _figure(
                hbar_svg(pairs),
                f"<b>{_e(_subject(f, 'column'))}</b> ({_e(item['dataset'])}): top values of "
                f"{_num(f['measurement']['values'].get('distinct'))} distinct",
            )
        )
    sections.append(("Top categories", figs))

    figs = []
    series: dict[tuple, list[dict]] = defaultdict(list)
    windows = {}
    for item, f in kinds.get("time_series", []):
        v = f["measurement"]["values"]
        windows[(item["dataset"], _subject(f, "time_column"))] = (v.get("first"), v.get("last"))
    for item, f in kinds.get("changepoint", []):
        key = (item["dataset"], _subject(f, "series"), _subject(f, "time_column"))
        series[key].append(f["measurement"]["values"])
    trends = {}
    for item, f in kinds.get("trend", []):
        v = f["measurement"]["values"]
        fitted = (v.get("first_day"), v.get("last_day"), v.get("fitted_start"), v.get("fitted_end"))
        if all(isinstance(x, str) for x in fitted[:2]) and all(
            isinstance(x, int | float) and math.isfinite(x) for x in fitted[2:]
        ):
            key = (item["dataset"], _subject(f, "series"), _subject(f, "time_column"))
            trends[key] = (fitted, v.get("slope_per_day"), v.get("p_value"))
    for (dataset, name, time_column), cps in sorted(series.items()):
        cps = sorted((c for c in cps if c.get("date")), key=lambda c: c["date"])
        first, last = windows.get((dataset, time_column), (None, None))
        if not cps or not first or not last:
            continue
        bounds = [first[:10]] + [c["date"] for c in cps] + [last[:10]]
        levels = [cps[0].get("level_before")] + [c.get("level_after") for c in cps]
        if any(not isinstance(lv, int | float) for lv in levels):
            continue
        segments = [(bounds[i], bounds[i + 1], float(levels[i])) for i in range(len(levels))]
        fitted, slope, p = trends.get((dataset, name, time_column), (None, None, None))
        caption = (
            f"<b>{_e(name)}</b> per day ({_e(dataset)}, {_e(time_column)}): level between "
            f"{len(cps)} changepoint(s) (red)"
        )
        if fitted is not None:
            caption += f"; trend (green) {_num(slope)} per day, p = {_num(p)}"
        figs.append(_figure(steps_svg(segments, fitted), caption))
    # series with a trend and no changepoint: their mean over the window, and the trend
    means = {}
    for item, f in kinds.get("daily_mean_series", []):
        key = (item["dataset"], _subject(f, "series"), _subject(f, "time_column"))
        means[key] = f["measurement"]["values"].get("mean_in_window")
    for key, (fitted, slope, p) in sorted(trends.items()):
        level = means.get(key)
        if key in series or not isinstance(level, int | float) or not math.isfinite(level):
            continue
        dataset, name, time_column = key
        figs.append(
            _figure(
                steps_svg([(fitted[0], fitted[1], float(level))], fitted),
                f"<b>{_e(name)}</b> daily mean ({_e(dataset)}, {_e(time_column)}): no "
                f"changepoint, mean {_num(level)}; trend (green) {_num(slope)} per day, "
                f"p = {_num(p)}",
            )
        )
    sections.append(("Daily series: levels between changepoints, trend", figs))
    sections.append(("Seasonal profiles", _seasonal_figures(kinds)))

    figs = []
    for item, f in kinds.get("benford", []):
        v = f["measurement"]["values"]
        figs.append(
            _figure(
                benford_svg(
                    v.get("observed_proportions") or [], v.get("expected_proportions") or []
                ),
                f"<b>leading digits of {_e(_subject(f, 'column'))}</b> ({_e(item['dataset'])}): "
                "bars observed, line Benford",
            )
        )
    for item, f in kinds.get("eventlog_summary", []):
        acts = f["measurement"]["values"].get("activity_events")
        if isinstance(acts, dict) and acts:
            pairs = sorted(((str(k), float(n)) for k, n in acts.items()), key=lambda p: -p[1])
            figs.append(
                _figure(hbar_svg(pairs[:20]), f"<b>events per activity</b> ({_e(item['dataset'])})")
            )
    sections.append(("Digits and event log", figs))
    return sections


def _seasonal_figures(kinds: dict) -> list[str]:
    """Rows per hour of day and per weekday (the ``time_series`` finding's evidence), with
    the row-count ``seasonality`` test of the same cycle in the caption."""
    tests = {}
    for item, f in kinds.get("seasonality", []):
        key = (item["dataset"], _subject(f, "series"), _subject(f, "time_column"))
        tests[(*key, _subject(f, "cycle"))] = f
    figs = []
    for item, f in kinds.get("time_series", []):
        params = f["evidence"].get("parameters") or {}
        time_column = _subject(f, "time_column")
        where = f"{_e(item['dataset'])}, {_e(time_column)}, {_e(params.get('clock', ''))}"
        hours = params.get("hour_of_day_rows")
        profiles = []
        if isinstance(hours, list) and len(hours) == 24:
            profiles.append(("hour_of_day", [f"{h:02d}" for h in range(24)], hours, "hour"))
        days = params.get("weekday_rows")
        if isinstance(days, dict) and set(days) <= set(WEEKDAYS) and days:
            names = [d for d in WEEKDAYS if d in days]
            profiles.append(("day_of_week", [d[:3] for d in names], [days[d] for d in names], ""))
        for cycle, labels, values, _unit in profiles:
            if not all(isinstance(v, int | float) for v in values):
                continue
            flat = sum(values) / len(values)
            caption = f"<b>rows per {_e(cycle.replace('_', ' '))}</b> ({where}); dashed: flat"
            test = tests.get((item["dataset"], "rows", time_column, cycle))
            if test is not None:
                v = test["measurement"]["values"]
                caption += (
                    f". Peak {_e(v.get('peak', '—'))}, trough {_e(v.get('trough', '—'))}, "
                    f"p = {_num(v.get('p_value'))} {_sev(test['severity'])}"
                )
            figs.append(_figure(curve_svg(labels, values, y_label="rows", reference=flat), caption))
    return figs


def _seasonality_table(report: dict) -> list[str]:
    rows = []
    for item, f in _by_kind(report).get("seasonality", []):
        v = f["measurement"]["values"]
        rows.append(
            f"<tr><td>{_e(item['dataset'])}</td><td>{_e(_subject(f, 'series'))}</td>"
            f"<td>{_e(_subject(f, 'cycle'))}</td><td>{_e(v.get('peak', '—'))}</td>"
            f"<td>{_e(v.get('trough', '—'))}</td><td class=num>{_num(v.get('peak_ratio'))}</td>"
            f"<td class=num>{_num(v.get('trough_ratio'))}</td><td>{_sev(f['severity'])}</td></tr>"
        )
    if not rows:
        return []
    return [
        "<h3>Seasonal profiles</h3><table><tr><th>dataset</th><th>series</th><th>cycle</th>"
        "<th>peak</th><th>trough</th><th>peak ratio</th><th>trough ratio</th><th>severity</th></tr>",
        *rows[:MAX_TABLE_ROWS],
        "</table>",
    ]


def render_html(report: dict) -> str:
    from .markdown import column_count, headline_entries

    summary = report["summary"]
    outcomes = ", ".join(f"{n} {k}" for k, n in summary["outcomes"].items()) or "no items"
    prov = report.get("provenance") or {}
    head = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        '<meta name=viewport content="width=device-width,initial-scale=1">',
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>statharness {_e(report['run_id'])}</title><style>{CSS}</style></head><body>",
        f"<h1>statharness run {_e(report['run_id'])}</h1>",
        f"<p>{summary['items']} items: {_e(outcomes)}. Golden policy "
        f"<span class=pill>{_e(report['golden_policy'])}</span>. Exit status "
        f"{report['exit_status']}.</p>",
    ]
    if prov:
        head.append(
            f"<p class=muted>Command <code>{_e(' '.join(prov.get('argv', [])))}</code> · "
            f"plugin {_e(prov.get('plugin', {}).get('version'))} · python "
            f"{_e(prov.get('versions', {}).get('python'))} · settings "
            f"<code>{_e(str(prov.get('settings_hash'))[:19])}</code> · started "
            f"{_e(prov.get('started'))}</p>"
        )
    body: list[str] = []
    card = report.get("scorecard")
    if card:
        body.append(
            "<h2>Scorecard</h2><table><tr><th>pillar</th><th>score</th><th>vetoes</th></tr>"
        )
        for name, p in card["pillars"].items():
            body.append(
                f"<tr><td>{_e(name)}</td><td class=num>{_e(score_text(name, p, '/10'))}</td>"
                f"<td>{_e('; '.join(p['vetoes']) or '—')}</td></tr>"
            )
        verdict = verdict_text(card, report.get("items", []))
        body.append(f"</table><p>{_e(verdict)}</p>")
    gate = report.get("comparison")
    if gate and gate.get("against"):
        body.append(
            f"<p>Compared with {_e(gate['against'])}: {gate['added']} new, {gate['removed']} gone, "
            f"{gate['changed']} changed finding(s)"
            + (" — <b>gate failed</b>" if gate.get("failed") else "")
            + "</p>"
        )

    heads = headline_entries(report)
    body.append(f"<h2>Headlines ({len(heads)})</h2>")
    if heads:
        body.append(
            "<table><tr><th>#</th><th>severity</th><th>finding</th><th>where</th><th>values</th></tr>"
        )
        from .markdown import key_values

        for n, (item, f) in enumerate(heads[:MAX_TABLE_ROWS], 1):
            body.append(
                f"<tr><td class=num>{n}</td><td>{_sev(f['severity'])}</td><td>{_e(f['title'])}</td>"
                f"<td>{_e(item['dataset'])} · {_e(f['analysis_id'])}</td>"
                f"<td>{_e(key_values(f))}</td></tr>"
            )
        body.append("</table>")
    else:
        body.append("<p>No high, medium or low severity findings.</p>")

    recs = [
        (i, f)
        for i in report.get("items", [])
        for f in i.get("findings", [])
        if "recommendation" in f
    ]
    recs.sort(key=lambda e: (-e[1]["recommendation"]["modeled_improvement_pct"], e[1]["id"]))
    if recs:
        assumptions: dict[str, int] = {}
        body.append(
            "<h2>Recommendations (by modeled improvement)</h2><table><tr><th>#</th><th>action</th>"
            "<th>modeled improvement</th><th>where</th><th>assumes</th></tr>"
        )
        for n, (item, f) in enumerate(recs[:MAX_TABLE_ROWS], 1):
            rec = f["recommendation"]
            refs = []
            for a in rec["assumptions"]:
                assumptions.setdefault(a, len(assumptions) + 1)
                refs.append(f"A{assumptions[a]}")
            body.append(
                f"<tr><td class=num>{n}</td><td>{_e(rec['action'])}</td>"
                f"<td class=num>{rec['modeled_improvement_pct']:.1f}%</td>"
                f"<td>{_e(item['dataset'])}</td><td>{_e(', '.join(refs))}</td></tr>"
            )
        body.append("</table><h3>Assumptions</h3><ol>")
        body += [f"<li>{_e(a)}</li>" for a in assumptions]
        body.append("</ol>")

    body.append("<h2 id=plots>Plots</h2>")
    size = sum(len(p) for p in head + body)
    left_out = 0
    for title, figs in plot_sections(report):
        figs = [f for f in figs if f]
        if not figs:
            continue
        shown = []
        for fig in figs[:MAX_PLOTS]:
            if size + len(fig) > MAX_BYTES:
                left_out += 1
                continue
            shown.append(fig)
            size += len(fig)
        left_out += max(0, len(figs) - MAX_PLOTS)
        if shown:
            body.append(f"<h3>{_e(title)}</h3><div class=grid>{''.join(shown)}</div>")
    body += _seasonality_table(report)
    if left_out:
        body.append(f"<p class=muted>{left_out} plot(s) left out to keep this page bounded.</p>")

    body.append(
        "<h2>Datasets</h2><table><tr><th>name</th><th>format</th><th>rows</th><th>columns</th>"
        "<th>fingerprint</th></tr>"
    )
    for ds in report.get("datasets", []):
        body.append(
            f"<tr><td>{_e(ds['name'])}</td><td>{_e(ds['format'])}</td>"
            f"<td class=num>{ds['row_count']:,}</td><td class=num>{_e(column_count(ds))}</td>"
            f"<td><code>{_e(ds['fingerprint'])}</code></td></tr>"
        )
    body.append("</table>")
    explored = explored_items(report.get("items", []))
    problems = problem_items(report.get("items", []))
    if explored:
        body.append(f"<p>{_e(explored_line(len(explored)))}</p>")
    if problems:
        body.append("<h2>Items that did not pass</h2><ul>")
        for item in problems[:MAX_TABLE_ROWS]:
            why = (
                item.get("error")
                or (item.get("skip") or {}).get("message")
                or (item.get("snapshot") or {}).get("status", "")
            )
            body.append(
                f"<li><code>{_e(item['nodeid'])}</code>: <b>{_e(item['outcome'])}</b> {_e(why)}</li>"
            )
        body.append("</ul>")
    body.append(
        "<p class=muted>Every number on this page is read from report.json.</p></body></html>\n"
    )
    return "".join(head + body)
