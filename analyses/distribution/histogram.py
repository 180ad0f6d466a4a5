"""The ``histogram`` analysis (distribution family): histogram (Freedman-Diaconis bins, exact
counts).

One analysis per module so the file tree leads to it; what other distribution analyses
also use is in ``_common.py``, the family's overview in ``distribution/__init__.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from pytest_statharness import MemoryModel

from .._shared.hist import MAX_BINS, finite_values, numpy_bin_edges
from .._shared.report import cap_findings
from ._common import _STATS_UNITS, SELECTION_PASSES, _PhasedNumeric, _stats_values


# ======================================================================================
# histogram
# ======================================================================================
class Histogram(_PhasedNumeric):
    id = "histogram"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "fixed radix histograms and bin counts per column"
    family = "distribution"
    title = "Histogram (Freedman-Diaconis bins, exact counts)"
    exact = True
    passes = 2 + SELECTION_PASSES
    method = (
        "per numeric column, over its finite values: pass 1 count/min/max; then the exact "
        "quartiles Q1, Q3 (numpy linear quantile) by multi-pass radix selection; bin width "
        "2*IQR*n^(-1/3) (Freedman-Diaconis), or ptp/(log2(n)+1) (Sturges) when IQR = 0; "
        "integer columns use width >= 1 (as numpy); bins = ceil((max-min)/width) clipped to "
        f"[1, {MAX_BINS}]; edges = numpy.linspace(min, max, bins+1) ([x-0.5, x+0.5] when "
        "min = max), bins half-open [e_i, e_i+1) except the last, closed; a last pass counts "
        "every value exactly (numpy.histogram semantics); +-inf are excluded and counted"
    )
    reference = (
        "Freedman & Diaconis (1981), On the histogram as a density estimator: L2 theory, "
        "Z. Wahrscheinlichkeitstheorie verw. Gebiete 57; Sturges (1926), The choice of a class "
        "interval, JASA 21; numpy.histogram_bin_edges documentation"
    )
    access = "streamed; pass 1 min/max/n, 1-5 radix-selection passes for Q1/Q3, 1 counting pass"

    def _count_update(self, state, chunk, ctx, run):
        for c in self.columns_for_pass(ctx):
            edges = run.results[c]["edges"]
            vals = finite_values(chunk, c)[0]
            state[c] = np.histogram(vals, bins=edges)[0].astype(np.int64)
        return state

    def _count_merge(self, a, b):
        out = dict(a)
        for c, counts in b.items():
            out[c] = out[c] + counts if c in out else counts.copy()
        return out

    def end_pass(self, state, ctx):
        run = self._run(ctx)
        if run is None:
            return self._start_selection(state, ctx, [0.25, 0.75])
        if run.phase == "select":
            run.selection.advance(state)
            if run.selection.done:
                for c in run.columns:
                    s = run.stats[c]
                    if not s["n"]:
                        continue
                    q1 = run.selection.quantile(c, 0.25)
                    q3 = run.selection.quantile(c, 0.75)
                    integer = pa.types.is_integer(_arrow_type(ctx, c))
                    span = s["max"] - s["min"]
                    res = run.results[c]
                    res.update(q1=q1, q3=q3, iqr=q3 - q1)
                    if not math.isfinite(span):
                        res["overflow"] = True
                        continue
                    edges, rule, capped = numpy_bin_edges(
                        s["n"], s["min"], s["max"], res["iqr"], integer=integer
                    )
                    res.update(edges=edges, rule=rule, capped=capped)
                run.phase = "count" if any("edges" in r for r in run.results.values()) else "done"
            return run
        for c, counts in state.items():
            run.results[c]["counts"] = counts
        run.phase = "done"
        return run

    def _counted(self, result: dict) -> bool:
        return "edges" in result

    def findings(self, ctx):
        run = self._run(ctx)
        out = []
        for c in run.columns:
            s = run.stats[c]
            res = run.results[c]
            values = _stats_values(s)
            edges = res.get("edges")
            counts = res.get("counts")
            values.update(
                q1=res.get("q1"),
                q3=res.get("q3"),
                iqr=res.get("iqr"),
                bins=len(edges) - 1 if edges is not None else None,
                bin_width=float(edges[1] - edges[0]) if edges is not None else None,
                bin_edges=[float(e) for e in edges] if edges is not None else None,
                counts=[int(k) for k in counts] if counts is not None else None,
            )
            units = {
                **_STATS_UNITS,
                "q1": "value",
                "q3": "value",
                "iqr": "value",
                "bins": "count",
                "bin_width": "value",
                "bin_edges": "value",
                "counts": "count",
            }
            params = {
                "bin_rule": res.get("rule"),
                "max_bins": MAX_BINS,
                "bins_capped": res.get("capped", False),
                "bin_closure": "[e_i, e_i+1), last bin closed",
            }
            if res.get("overflow"):
                params["not_binned"] = "max - min overflows float64"
            out.append(
                ctx.finding(
                    kind="histogram",
                    title=f"Histogram of {c!r}",
                    subject={"column": c},
                    values=values,
                    units=units,
                    columns=[c],
                    parameters=params,
                )
            )
        return cap_findings(ctx, out)


def _arrow_type(ctx, column: str) -> pa.DataType:
    text = ctx.dataset.column(column).arrow_type
    return _TYPES.get(text, pa.float64())


_TYPES = {
    str(t): t
    for t in (
        pa.int8(),
        pa.int16(),
        pa.int32(),
        pa.int64(),
        pa.uint8(),
        pa.uint16(),
        pa.uint32(),
        pa.uint64(),
        pa.float16(),
        pa.float32(),
        pa.float64(),
    )
}
