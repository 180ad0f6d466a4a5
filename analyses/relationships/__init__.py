"""Relationships between columns: correlation, Cramér's V, group differences.

* ``correlation`` — Pearson and Spearman over pairs of numeric columns (pairwise-complete
  rows). Pearson from exact co-moments: pass 1 exact column sums give the means, pass 2
  exact sums (``_shared.exact.exact_fixed_sum``) of deviations and of their products over the rows
  where both values are finite, corrected exactly to the pair's own means. Spearman from
  exact average ranks: distinct-value maps (bounded by ``distinct_cap``) turn every value
  into twice its average rank, an integer, so the rank co-moment is an exact integer sum.
* ``cramers_v`` — Cramér's V and the chi-square test of independence over pairs of
  categorical/boolean columns, from exact contingency tables.
* ``clustered_rows`` — the share of each measure's variance between the groups of a key
  with many levels (pupils by school, answers by interviewer): ICC(1) of a one-way ANOVA
  from exact per-group sums.
* ``group_differences`` — Kruskal–Wallis H (tie-corrected) of each numeric column across
  the levels of each categorical/boolean column, from exact per-level rank sums, with the
  epsilon-squared effect size.

Finding order: correlation by |Pearson r| descending (null last), then column names;
cramers_v by V descending (null last), then names; group_differences by epsilon-squared
descending (null last), then numeric and group column names. At most ``max_findings``
findings, the rest counted in ``parameters.findings_left_out``.

One module per analysis, named by its id (``<id>.py``); what more than one of them uses
is in ``_common.py``. The ``relationships`` entry point registers these three,
``clustered_rows`` and ``simpsons_rates`` (Simpson's paradox of two yes/no columns: an
odds ratio that reverses within a category's levels); ``simpsons_paradox`` (same family,
same folder: correlations of measures) keeps its own entry point ``simpson``.
"""

from pytest_statharness import hookimpl

from .clustered_rows import ClusteredRows
from .correlation import Correlation
from .cramers_v import CramersV
from .group_differences import GroupDifferences
from .simpsons_rates import SimpsonsRates


@hookimpl
def statharness_analyses():
    return [Correlation(), CramersV(), GroupDifferences(), ClusteredRows(), SimpsonsRates()]
