"""An outcome's moderate drivers (a wage gap of 25%, wages ~ age at r = 0.35) are what a
table of workers or of goods is read for: measures named like an outcome get Cohen's medium
thresholds; everything else keeps the strict ones (issue: findings an expert acts on)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from pytest_statharness.column_roles import ColumnRole
from pytest_statharness.dataset.roles import outcome_by_name, survival_pairs
from pytest_statharness.registry import Registry
from pytest_statharness.testing import run_on_frame


def analysis(analysis_id: str):
    return Registry.builtin().get(analysis_id)


def workers(outcome: str = "wage", seed: int = 3, n: int = 1500) -> pd.DataFrame:
    """A labour table: wages 25% higher for one sex (epsilon^2 ~ 0.05), rising with age
    (r ~ 0.35); hours unrelated to both."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], n)
    age = rng.uniform(18, 65, n)
    log_wage = 2.5 + 0.22 * (sex == "male") + 0.012 * (age - 40) + rng.normal(0, 0.42, n)
    return pd.DataFrame(
        {
            "sex": sex,
            "age": age,
            "hours": rng.normal(38, 6, n),
            outcome: np.exp(log_wage),
        }
    )


def severity_of(result, kind: str, *columns: str) -> str:
    for f in result.findings:
        if f["kind"] != kind:
            continue
        subject = f["subject"]
        named = set(subject.get("columns", [])) | {subject.get("column"), subject.get("group_by")}
        if set(columns) <= named:
            return f["severity"]
    raise AssertionError((kind, columns))


def test_a_wage_gap_and_an_age_gradient_are_medium_for_a_wage_not_for_another_name() -> None:
    named = workers("wage")
    gd = run_on_frame(analysis("group_differences"), named)
    eps = next(
        f["measurement"]["values"]["epsilon_squared"]
        for f in gd.findings
        if f["kind"] == "group_difference" and f["subject"]["column"] == "wage"
    )
    assert 0.04 <= eps < 0.14, eps  # moderate: below the general medium of 0.14
    assert severity_of(gd, "group_difference", "wage", "sex") == "medium"
    corr = run_on_frame(analysis("correlation"), named)
    assert severity_of(corr, "correlation", "age", "wage") == "medium"

    plain = workers("amount")  # the same numbers under a name that says nothing
    assert severity_of(
        run_on_frame(analysis("group_differences"), plain), "group_difference", "amount", "sex"
    ) in ("info", "low")
    assert severity_of(
        run_on_frame(analysis("correlation"), plain), "correlation", "age", "amount"
    ) in ("info", "low")
    # a spec saying there is no outcome turns the names off
    assert severity_of(
        run_on_frame(analysis("group_differences"), named, targets=()),
        "group_difference",
        "wage",
        "sex",
    ) in ("info", "low")


def columns(*names: str):
    return [SimpleNamespace(name=n, role=ColumnRole.MEASUREMENT) for n in names]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("price", "carat", "x", "y", "z"), ("price",)),  # a diamond's y is a dimension
        (("year", "day", "limit", "y"), ("y",)),  # R's regression tables: y the response
        (("firm", "n", "w", "y", "k"), ()),  # a firm panel's symbols
        (("M", "So", "Ed", "Po1", "Prob", "y"), ("y",)),  # UScrime: the last column, no x
        (("s", "d", "studage", "dept", "y"), ("y",)),  # InstEval's rating closes the table
        (("well", "x", "y"), ()),  # npr1's x/y: a position, even when y is last
        (("Salary", "rank"), ("Salary",)),
        (("lwage", "ed", "exp"), ("lwage",)),
        (("pay", "hours"), ()),
        (("country_year", "y.net", "lgdp2"), ("y.net",)),  # barro: the response, qualified
        (("x_coord", "y_coord", "depth"), ()),  # a position's two axes
        (("wage76", "grade76"), ("wage76",)),  # a wage of 1976 is a wage
        (("y2", "x2"), ()),  # two-letter stems keep their digits
        (("price1", "time1", "price2", "time2", "choice"), ()),  # a choice's alternatives
        (("ipip", "wage1992", "ideol"), ("wage1992",)),
        (("wage75", "wage78", "educ"), ()),  # two waves: neither is the outcome
    ],
)
def test_outcomes_by_name(names, expected) -> None:
    assert outcome_by_name(columns(*names)) == expected


def test_a_drivers_restatement_is_low() -> None:
    """A diamond's price by its weight and by its width: one driver measured twice."""
    rng = np.random.default_rng(8)
    n = 800
    carat = rng.lognormal(-0.4, 0.45, n)
    width = 6.4 * carat ** (1 / 3) + rng.normal(0, 0.02, n)
    frame = pd.DataFrame(
        {
            "carat": carat,
            "width": width,
            "price": 4000 * carat**1.6 * rng.lognormal(0, 0.25, n),
            "depth": rng.normal(61.7, 1.4, n),
        }
    )
    result = run_on_frame(analysis("correlation"), frame)
    assert severity_of(result, "correlation", "carat", "price") == "medium"
    restated = next(
        f
        for f in result.findings
        if f["kind"] == "correlation" and set(f["subject"]["columns"]) == {"width", "price"}
    )
    assert restated["severity"] == "low"
    assert "the same driver" in restated["evidence"]["parameters"]["severity_capped"]


def test_a_named_outcome_in_a_panel_keeps_the_panel_cap_a_declared_one_does_not() -> None:
    """48 states x 30 years: the yearly mean price over states mixes their trends; a name
    does not lift that cap (only a declaration does)."""
    rng = np.random.default_rng(11)
    years = np.arange(1960, 1990)
    states = [f"S{k:02d}" for k in range(48)]
    rows = [
        (f"{y}-01-01", s, 20 + 0.8 * (y - 1960) + rng.normal(0, 3)) for y in years for s in states
    ]
    frame = pd.DataFrame(rows, columns=["year", "state", "price"])
    frame["year"] = pd.to_datetime(frame["year"])
    named = run_on_frame(analysis("trend"), frame)
    declared = run_on_frame(analysis("trend"), frame, targets=("price",))
    price_named = next(f for f in named.findings if f["subject"].get("series") == "price")
    price_declared = next(f for f in declared.findings if f["subject"].get("series") == "price")
    assert price_named["severity"] == "low"
    assert "severity_capped" in price_named["evidence"]["parameters"]
    assert price_declared["severity"] == "medium"


def test_a_product_named_after_one_column_is_built_from_it() -> None:
    """COUTAX_FEMALEUNEMP beside COUTAX (scotland): the council tax times female
    unemployment, whose own column is UNEMPF; the two correlate by construction."""
    rng = np.random.default_rng(12)
    n = 300
    coutax = rng.normal(900, 80, n)
    frame = pd.DataFrame(
        {
            "COUTAX": coutax,
            "COUTAX_FEMALEUNEMP": coutax * rng.normal(7, 0.3, n),
            "UNEMPF": rng.normal(7, 1.2, n),
        }
    )
    result = run_on_frame(analysis("correlation"), frame)
    product = next(
        f
        for f in result.findings
        if f["kind"] == "correlation"
        and set(f["subject"]["columns"]) == {"COUTAX", "COUTAX_FEMALEUNEMP"}
    )
    assert abs(product["measurement"]["values"]["pearson_r"]) >= 0.7
    assert product["severity"] == "low"
    assert "interaction terms" in product["evidence"]["parameters"]["severity_capped"]


def penguin_like(seed: int = 5) -> pd.DataFrame:
    """Three species: deeper bills go with longer flippers within each, but the species
    with the longest flippers has the shallowest bills (pooled r < 0, within r > 0)."""
    rng = np.random.default_rng(seed)
    parts = []
    for species, flipper, depth in (
        ("Adelie", 190, 18.4),
        ("Chinstrap", 196, 18.4),
        ("Gentoo", 217, 15.0),
    ):
        size = rng.normal(0, 1, 110)
        parts.append(
            pd.DataFrame(
                {
                    "species": species,
                    "flipper_length_mm": flipper + 6 * size + rng.normal(0, 3, 110),
                    "bill_depth_mm": depth + 0.5 * size + rng.normal(0, 0.6, 110),
                    "island_temp": rng.normal(2, 1, 110),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_a_correlation_the_levels_of_a_category_carry_is_low() -> None:
    frame = penguin_like()
    result = run_on_frame(analysis("correlation"), frame)
    pair = next(
        f
        for f in result.findings
        if f["kind"] == "correlation"
        and set(f["subject"]["columns"]) == {"flipper_length_mm", "bill_depth_mm"}
    )
    assert pair["measurement"]["values"]["pearson_r"] <= -0.5
    assert pair["severity"] == "low"
    assert (
        "pooled over the levels of 'species'" in pair["evidence"]["parameters"]["severity_capped"]
    )
    # without the category, the same numbers are a column's one clear partner
    plain = run_on_frame(analysis("correlation"), frame.drop(columns="species"))
    alone = next(
        f
        for f in plain.findings
        if f["kind"] == "correlation"
        and set(f["subject"]["columns"]) == {"flipper_length_mm", "bill_depth_mm"}
    )
    assert alone["severity"] == "medium"


def test_the_mixture_guard_is_the_same_whatever_the_chunks() -> None:
    frame = penguin_like(seed=9)
    runs = [
        run_on_frame(analysis("correlation"), frame, chunk_rows=rows, batch_size=batch)
        for rows, batch in ((65536, None), (37, 11), (100, 7))
    ]
    views = [
        sorted(
            (
                tuple(f["subject"].get("columns", [])),
                f["severity"],
                f["measurement"]["values"].get("pearson_r"),
            )
            for f in r.findings
        )
        for r in runs
    ]
    assert views[0] == views[1] == views[2]


def test_no_one_sided_partner_in_a_panel_or_for_a_product_column() -> None:
    """Wages of two sectors over 30 counties x 7 years pool the counties' levels; an
    interaction term's partners come from its factors: neither is a clear partner."""
    rng = np.random.default_rng(21)
    counties, years = 30, 7
    level = np.repeat(rng.normal(0, 1, counties), years)
    frame = pd.DataFrame(
        {
            "county": np.repeat([f"C{k:02d}" for k in range(counties)], years),
            "year": np.tile(np.arange(1981, 1981 + years), counties),
            "wfir": level + rng.normal(0, 0.9, counties * years),
            "wfed": 0.7 * level + rng.normal(0, 0.8, counties * years),
            "other": rng.normal(0, 1, counties * years),
        }
    )
    frame["wloc"] = frame["wfed"] + rng.normal(0, 0.2, counties * years)  # wfed's strongest
    result = run_on_frame(analysis("correlation"), frame)
    pair = next(
        f
        for f in result.findings
        if f["kind"] == "correlation" and set(f["subject"]["columns"]) == {"wfir", "wfed"}
    )
    assert 0.5 <= abs(pair["measurement"]["values"]["pearson_r"]) < 0.7
    assert "panel_units" in pair["evidence"]["parameters"]
    assert pair["severity"] == "low"
    # the same numbers with no panel (no year): wfir's one clear partner
    alone = run_on_frame(analysis("correlation"), frame.drop(columns=["year"]))
    pair = next(
        f
        for f in alone.findings
        if f["kind"] == "correlation" and set(f["subject"]["columns"]) == {"wfir", "wfed"}
    )
    assert pair["severity"] == "medium"


def test_a_01_flag_is_paired_with_a_category_not_with_another_flag() -> None:
    """vote92: party flags coded 0/1 against a vote of three levels; the flags' own pair is
    correlation's (phi is Pearson's r on 0/1)."""
    rng = np.random.default_rng(13)
    n = 900
    party = rng.choice(["dem", "rep", "ind"], n, p=[0.4, 0.35, 0.25])
    vote = np.where(
        rng.random(n) < 0.8,
        np.select([party == "dem", party == "rep"], ["Clinton", "Bush"], "Perot"),
        rng.choice(["Clinton", "Bush", "Perot"], n),
    )
    frame = pd.DataFrame(
        {
            "vote": vote,
            "dem": (party == "dem").astype(int),
            "rep": (party == "rep").astype(int),
            "age": rng.integers(18, 90, n),
        }
    )
    result = run_on_frame(analysis("cramers_v"), frame)
    pairs = {frozenset(f["subject"]["columns"]): f for f in result.findings}
    assert pairs[frozenset({"vote", "dem"})]["severity"] == "medium"
    assert frozenset({"dem", "rep"}) not in pairs


def loans(outcome: str, seed: int = 17, n: int = 2400) -> pd.DataFrame:
    """Hdma's shape: a loan denied 28% of the time for one group and 9% for the other
    (corrected V about 0.2), and a debt ratio higher among the denied (epsilon^2 ~ 0.05)."""
    rng = np.random.default_rng(seed)
    black = rng.random(n) < 0.15
    denied = rng.random(n) < np.where(black, 0.28, 0.09)
    return pd.DataFrame(
        {
            "black": np.where(black, "yes", "no"),
            outcome: np.where(denied, "yes", "no"),
            "dir": rng.normal(0.33, 0.08, n) + 0.06 * denied,
            "lvr": rng.uniform(0.2, 1.0, n),
        }
    )


def test_a_class_outcomes_moderate_associations_are_medium_by_name() -> None:
    named = loans("deny")
    cv = run_on_frame(analysis("cramers_v"), named)
    assert severity_of(cv, "cramers_v", "black", "deny") == "medium"
    gd = run_on_frame(analysis("group_differences"), named)
    assert severity_of(gd, "group_difference", "dir", "deny") == "medium"

    # targets=(): no outcome at all, not even the first column presumed one
    other = loans("flag2")
    cv = run_on_frame(analysis("cramers_v"), other, targets=())
    assert severity_of(cv, "cramers_v", "black", "flag2") in ("info", "low")
    gd = run_on_frame(analysis("group_differences"), other, targets=())
    assert severity_of(gd, "group_difference", "dir", "flag2") in ("info", "low")


def test_a_day_number_called_death_is_no_class_outcome() -> None:
    columns = [
        SimpleNamespace(name="death", role=ColumnRole.MEASUREMENT),
        SimpleNamespace(name="vote", role=ColumnRole.CATEGORY),
        SimpleNamespace(name="lfp", role=ColumnRole.BOOLEAN),
        SimpleNamespace(name="class", role=ColumnRole.CATEGORY),
    ]
    assert outcome_by_name(columns) == ("vote", "lfp")
    decided = [SimpleNamespace(name="decision", role=ColumnRole.CATEGORY)]
    assert outcome_by_name(decided) == ("decision",)  # Greene's refugee appeals
    # SocialCog's 'Dx' (Schizophrenia, Schizoaffective, Control): the diagnosis its
    # measures were collected to compare (MgeEmotions, epsilon^2 0.10, stayed info)
    diagnosed = [SimpleNamespace(name="Dx", role=ColumnRole.CATEGORY)]
    assert outcome_by_name(diagnosed) == ("Dx",)
    # loanapp: 'approve' beside a 'price' (the outcome was the price; the approval gap by
    # race, 90% against 67.5%, stayed info)
    loans = [
        SimpleNamespace(name="approve", role=ColumnRole.BOOLEAN),
        SimpleNamespace(name="price", role=ColumnRole.MEASUREMENT),
    ]
    assert outcome_by_name(loans) == ("approve", "price")


def test_a_survival_tables_event_indicator_is_its_outcome() -> None:
    """colon's status (0/1) beside its follow-up time, gbsg2's cens, lifelines' E beside T;
    a status code with no follow-up time, or a lone e beside a time, is no outcome."""

    def cols(*spec):
        return [SimpleNamespace(name=n, role=r, distinct_at_least=d) for n, r, d in spec]

    B, C, M = ColumnRole.BOOLEAN, ColumnRole.CATEGORY, ColumnRole.COUNT
    assert outcome_by_name(cols(("rx", C, 3), ("status", B, 2), ("time", M, 900))) == ("status",)
    assert outcome_by_name(cols(("horTh", C, 2), ("cens", B, 2), ("time", M, 600))) == ("cens",)
    assert outcome_by_name(cols(("T", M, 50), ("E", B, 2), ("group", C, 2))) == ("E",)
    assert outcome_by_name(cols(("rel", B, 2), ("edrel", M, 3000))) == ("rel",)
    assert outcome_by_name(cols(("status", C, 3), ("income", M, 500))) == ()
    assert outcome_by_name(cols(("e", B, 2), ("time", M, 500))) == ()
    assert outcome_by_name(cols(("status", C, 7), ("time", M, 500))) == ()
    # stagec's progression: an endpoint's status beside its time, named by one prefix
    assert outcome_by_name(cols(("pgtime", M, 140), ("pgstat", B, 2), ("age", M, 30))) == (
        "pgstat",
    )
    assert outcome_by_name(cols(("mstat", C, 3), ("worktime", M, 300))) == ()
    # lymph_node: the event word first, then the endpoint ('censrec' beside 'rectime';
    # 'censdead' beside the follow-up 'survtime'): both were read as plain flags
    lymph = cols(
        ("rectime", M, 900), ("censrec", B, 2), ("survtime", M, 1000), ("censdead", B, 2),
        ("nodes", M, 30),
    )  # fmt: skip
    assert outcome_by_name(lymph) == ("censrec", "censdead")
    assert ("censrec", "rectime") in survival_pairs(lymph)
    assert outcome_by_name(cols(("census", C, 3), ("income", M, 500))) == ()
    # heart_transplant: 'survived' (alive / dead) beside 'survtime'; ICU's 'Survive' with
    # no follow-up time is no survival table's event
    heart = cols(("survived", C, 2), ("survtime", M, 90), ("age", M, 40))
    assert ("survived", "survtime") in survival_pairs(heart)
    assert survival_pairs(cols(("Survive", B, 2), ("Age", M, 70))) == []


def test_a_measure_related_to_a_survival_event_is_medium() -> None:
    """Patients with the event have more positive nodes (point-biserial r ~ 0.35): medium
    beside a follow-up time, at most low when nothing says the flag is an event."""
    rng = np.random.default_rng(11)
    n = 900
    nodes = rng.poisson(3, n) + rng.normal(0, 0.01, n)
    event = rng.random(n) < 1 / (1 + np.exp(-(nodes - 3.5) * 0.5))
    frame = pd.DataFrame(
        {"nodes": nodes, "status": event.astype(int), "time": rng.integers(30, 3000, n)}
    )
    corr = run_on_frame(analysis("correlation"), frame)
    r = next(
        f["measurement"]["values"]["pearson_r"]
        for f in corr.findings
        if f["kind"] == "correlation" and set(f["subject"]["columns"]) == {"nodes", "status"}
    )
    assert 0.3 <= r < 0.5, r
    assert severity_of(corr, "correlation", "nodes", "status") == "medium"
    plain = frame.rename(columns={"time": "amount"})
    corr = run_on_frame(analysis("correlation"), plain, targets=())
    assert severity_of(corr, "correlation", "nodes", "status") in ("info", "low")


def test_an_events_follow_up_time_is_censoring_not_a_driver() -> None:
    """uis' TIME and CENSOR (r = -0.82): an event ends the follow-up, by construction;
    low. A real driver of the event stays medium."""
    rng = np.random.default_rng(21)
    n = 600
    dose = rng.normal(0, 1, n)
    event = rng.random(n) < 1 / (1 + np.exp(-1.2 * dose))
    time = np.where(event, rng.integers(5, 300, n), rng.integers(250, 400, n))
    frame = pd.DataFrame({"dose": dose, "CENSOR": event.astype(int), "TIME": time})
    corr = run_on_frame(analysis("correlation"), frame)
    assert severity_of(corr, "correlation", "TIME", "CENSOR") == "low"
    capped = [
        f
        for f in corr.findings
        if f["kind"] == "correlation" and set(f["subject"]["columns"]) == {"TIME", "CENSOR"}
    ][0]
    assert "ends the follow-up" in capped["evidence"]["parameters"]["severity_capped"]
    assert severity_of(corr, "correlation", "dose", "CENSOR") == "medium"


def trial(arm: str = "dose", seed: int = 8, n: int = 600) -> pd.DataFrame:
    """A dose trial: an enzyme about 0.5 sd higher at the top dose (epsilon^2 ~ 0.06), and
    more men in that arm (V ~ 0.25): the result and an imbalance of the randomisation."""
    rng = np.random.default_rng(seed)
    dose = rng.choice(["A", "B", "C", "D"], n)
    top = dose == "D"
    sex = np.where(rng.random(n) < np.where(top, 0.75, 0.45), "M", "F")
    return pd.DataFrame({arm: dose, "sex": sex, "alt": rng.normal(40, 10, n) + 9.0 * top})


def test_a_trials_arms_get_an_outcomes_bar() -> None:
    """liver's enzymes by dose (epsilon^2 0.06, p 2e-7) were info; named as an arm, the
    dose's effect and the arms' sex imbalance are medium. The same columns named 'batch'
    keep the strict bars."""
    from pytest_statharness.dataset.roles import treatments_by_name

    named = run_on_frame(analysis("group_differences"), trial())
    [f] = [f for f in named.findings if f["subject"].get("group_by") == "dose"]
    assert f["severity"] == "medium", f["title"]
    assert "trial's arms" in f["evidence"]["parameters"]["declared_interest"]
    imbalance = run_on_frame(analysis("cramers_v"), trial()).findings[0]
    assert imbalance["severity"] == "medium"
    plain = run_on_frame(analysis("group_differences"), trial("batch"), targets=())
    [g] = [g for g in plain.findings if g["subject"].get("group_by") == "batch"]
    assert g["severity"] in ("info", "low")
    batch = run_on_frame(analysis("cramers_v"), trial("batch"), targets=())
    assert batch.findings[0]["severity"] != "medium"
    columns = [
        SimpleNamespace(name=n, role=r, distinct_at_least=k, excluded=False)
        for n, r, k in (
            ("trt", ColumnRole.BOOLEAN, 2),
            ("rx", ColumnRole.CATEGORY, 3),
            ("dose", ColumnRole.MEASUREMENT, 40),  # a dose measured, not an arm
            ("treat", ColumnRole.CATEGORY, 30),  # too many levels for arms
        )
    ]
    assert treatments_by_name(columns) == ("trt", "rx")
    # Arrow booleans (true/false text) have no distinct count from the typing scan: the
    # column is two levels all the same (Treatment's 'treat' was no arm)
    from pytest_statharness import ColumnKind

    flag = SimpleNamespace(
        name="treat",
        role=ColumnRole.BOOLEAN,
        kind=ColumnKind.BOOLEAN,
        distinct_at_least=0,
        excluded=False,
    )
    assert treatments_by_name([flag]) == ("treat",)
    # laryngoscope's arm is named 'Randomization' (0/1)
    randomised = SimpleNamespace(
        name="Randomization", role=ColumnRole.BOOLEAN, distinct_at_least=2, excluded=False
    )
    assert treatments_by_name([randomised]) == ("Randomization",)


def test_a_trials_primary_comparison_is_one_hypothesis() -> None:
    """rats: tumours in 42% of treated and 19% of control rats (p = 0.005), among the
    pairs of a table that Bonferroni would divide by: the arm against the outcome is the
    trial's one stated hypothesis, medium at p < 0.01; the same pair named 'batch' and
    'flag2' is one pair among many and stays info."""
    rng = np.random.default_rng(9)
    rx = np.repeat([0, 1], [100, 50])
    status = np.r_[np.ones(19), np.zeros(81), np.ones(21), np.zeros(29)].astype(int)
    frame = pd.DataFrame(
        {
            "rx": rx,
            "status": status,
            "time": rng.uniform(30, 104, 150).round(),
            **{f"m{k}": rng.normal(0, 1, 150) for k in range(6)},
        }
    )
    corr = run_on_frame(analysis("correlation"), frame)
    pair = next(
        f for f in corr.findings if set(f["subject"].get("columns", [])) == {"rx", "status"}
    )
    assert 0.001 < pair["measurement"]["values"]["pearson_p"] < 0.01
    assert pair["severity"] == "medium"
    assert "primary comparison" in pair["evidence"]["parameters"]["declared_interest"]
    renamed = frame.rename(columns={"rx": "batch", "status": "flag2"})
    other = next(
        f
        for f in run_on_frame(analysis("correlation"), renamed).findings
        if set(f["subject"].get("columns", [])) == {"batch", "flag2"}
    )
    assert other["severity"] == "info"


def test_a_rare_yes_no_outcome_many_times_likelier_in_one_group_is_medium() -> None:
    """azcabgptca: 3.4% deaths after bypass surgery against 0.4% after angioplasty (odds
    ratio 9, p 5e-7) has phi 0.11, under the flag bar of 0.2: the odds ratio says what
    phi hides. The title gives the two shares; the same table with the outcome's odds
    ratio near 1 (2.0% against 1.6%) stays under medium."""

    def table(deaths_after: int) -> pd.DataFrame:
        rng = np.random.default_rng(4)
        procedure = np.repeat([0, 1], [1030, 929])
        died = np.r_[
            np.ones(4), np.zeros(1026), np.ones(deaths_after), np.zeros(929 - deaths_after)
        ]
        return pd.DataFrame(
            {
                "procedure": procedure,
                "died": died.astype(int),
                "age": rng.normal(65, 9, procedure.size).round(),
                "los": rng.gamma(2.0, 4.0, procedure.size).round(),
            }
        )

    strong = run_on_frame(analysis("correlation"), table(32))
    pair = next(
        f for f in strong.findings if set(f["subject"].get("columns", [])) == {"procedure", "died"}
    )
    values = pair["measurement"]["values"]
    assert abs(values["pearson_r"]) < 0.2
    assert values["outcome_share_at_high"] == pytest.approx(32 / 929)
    assert values["outcome_share_at_low"] == pytest.approx(4 / 1030)
    assert values["odds_ratio"] == pytest.approx((1026 * 32) / (4 * 897))
    assert pair["severity"] == "medium"
    assert "odds ratio" in pair["evidence"]["parameters"]["strong_odds"]
    assert "'died' = 1 in 3.4% of rows where 'procedure' = 1, 0.4% where 0" in pair["title"]
    weak = run_on_frame(analysis("correlation"), table(15))
    other = next(
        f for f in weak.findings if set(f["subject"].get("columns", [])) == {"procedure", "died"}
    )
    assert other["severity"] in ("info", "low")
    assert "strong_odds" not in other["evidence"]["parameters"]


def test_a_trials_arms_without_a_named_outcome_are_corrected_over_their_own_pairs() -> None:
    """anorexia: weight after treatment across three arms (epsilon^2 0.18, p 0.0016) was
    info: no outcome is named, so the pair was one of the table's and Bonferroni at 0.001
    over all of them. The arm's pairs are the trial's comparisons: p < 0.01 over those.
    The same columns with the grouping named 'batch' keep the table-wide correction (a
    large effect, epsilon^2 >= 0.14, is medium there at 5%: see LARGE_RULE)."""
    rng = np.random.default_rng(7)
    arms = np.repeat(["CBT", "Cont", "FT"], [29, 26, 17])
    pre = rng.normal(82, 5, arms.size)
    gain = np.select([arms == "FT", arms == "CBT"], [7.0, 3.0], 0.0)
    frame = pd.DataFrame(
        {"Treat": arms, "Prewt": pre, "Postwt": pre + gain + rng.normal(0, 5, arms.size)}
    )
    found = run_on_frame(analysis("group_differences"), frame).findings
    post = next(f for f in found if f["subject"].get("column") == "Postwt")
    p = post["measurement"]["values"]["p_value"]
    assert 0.001 / 2 < p * 2 < 0.01, p  # over the arm's 2 pairs: under 1%, not under 0.1%
    assert post["severity"] == "medium"
    assert "2 pair(s) of that arm" in post["evidence"]["parameters"]["declared_interest"]
    plain = run_on_frame(analysis("group_differences"), frame.rename(columns={"Treat": "batch"}))
    other = next(f for f in plain.findings if f["subject"].get("column") == "Postwt")
    assert "declared_interest" not in other["evidence"]["parameters"]
    large = other["measurement"]["values"]["epsilon_squared"] >= 0.14
    assert other["severity"] == ("medium" if large else "info")


def test_a_balanced_factor_of_a_designed_experiment_gets_the_arms_bar() -> None:
    """warpbreaks: 9 looms per wool x tension cell, breaks by tension p 0.0045, epsilon^2
    0.20, info under Bonferroni at 0.001 over the table's pairs. Levels holding exactly the
    same number of rows are a design's factor: with no outcome named, the measure is the
    experiment's response, medium at p < 0.01 over the factor's pairs. The same measure
    across an uneven grouping keeps the table-wide bar (for this large effect, 5%)."""
    rng = np.random.default_rng(11)
    wool = np.repeat(["A", "B"], 27)
    tension = np.tile(np.repeat(["L", "M", "H"], 9), 2)
    effect = np.select([tension == "L", tension == "M"], [10.0, 3.0], 0.0)
    frame = pd.DataFrame(
        {"breaks": np.round(24 + effect + rng.normal(0, 11, 54)), "wool": wool, "tension": tension}
    )
    found = run_on_frame(analysis("group_differences"), frame).findings
    by_tension = next(f for f in found if f["subject"].get("group_by") == "tension")
    p = by_tension["measurement"]["values"]["p_value"]
    assert 0.001 < p * 2 and p < 0.01, p
    assert by_tension["severity"] == "medium"
    assert "designed experiment" in by_tension["evidence"]["parameters"]["declared_interest"]
    uneven = frame.iloc[3:]  # the first cell loses 3 rows: no longer a balanced design
    found = run_on_frame(analysis("group_differences"), uneven).findings
    other = next(f for f in found if f["subject"].get("group_by") == "tension")
    # the table-wide bar: a large effect (epsilon^2 0.20) at 5% over the table's pairs
    assert "designed experiment" not in other["evidence"]["parameters"].get("declared_interest", "")


def test_the_two_codes_of_one_item_are_no_correlation_worth_a_look() -> None:
    """aldh2: each locus's two allele codes ('EXON1.a1', 'EXON1.a2'; smaller first, 0/0
    when untyped) correlated at r 0.52..0.80, seven mediums an expert rated meaningless.
    Names equal but for a last 1 and 2, both whole-number codes: derived, at most low.
    Twins' birth weights ('bwt1', 'bwt2', measures) keep their correlation."""
    rng = np.random.default_rng(6)
    n = 260
    a = rng.integers(1, 9, n)
    b = rng.integers(1, 9, n)
    first, second = np.minimum(a, b), np.maximum(a, b)
    untyped = rng.random(n) < 0.1
    first[untyped] = second[untyped] = 0
    base = rng.normal(3000, 450, n)
    frame = pd.DataFrame(
        {
            "EXON1.a1": first,
            "EXON1.a2": second,
            "bwt1": base + rng.normal(0, 150, n),
            "bwt2": base + rng.normal(0, 150, n),
        }
    )
    pairs = {
        frozenset(f["subject"]["columns"]): f
        for f in run_on_frame(analysis("correlation"), frame).findings
        if f["kind"] == "correlation"
    }
    alleles = pairs[frozenset({"EXON1.a1", "EXON1.a2"})]
    assert alleles["measurement"]["values"]["pearson_r"] > 0.5
    assert alleles["severity"] == "low"
    assert (
        "first and second code of one item" in alleles["evidence"]["parameters"]["severity_capped"]
    )
    assert pairs[frozenset({"bwt1", "bwt2"})]["severity"] == "medium"


def test_a_pearson_r_the_ranks_do_not_support_rests_on_a_few_rows() -> None:
    """Arbuthnot: plague deaths and total mortality by year, r 0.86, all from 1665 (without
    it r -0.06, Spearman -0.59): a medium finding about one year. A Pearson r whose
    Spearman rho has the other sign (or is under 0.2) is at most low, and says why."""
    rng = np.random.default_rng(3)
    n = 80
    plague = rng.poisson(2, n).astype(float)
    mortality = 10000 - 300 * plague + rng.normal(0, 400, n)
    plague[40], mortality[40] = 68596.0, 97306.0  # the great plague
    frame = pd.DataFrame({"Plague": plague, "Mortality": mortality, "Other": rng.normal(size=n)})
    pair = next(
        f
        for f in run_on_frame(analysis("correlation"), frame).findings
        if set(f["subject"].get("columns", [])) == {"Plague", "Mortality"}
    )
    values = pair["measurement"]["values"]
    assert values["pearson_r"] > 0.7 and values["spearman_rho"] < 0
    assert pair["severity"] == "low"
    assert "few extreme rows" in pair["evidence"]["parameters"]["severity_capped"]


def test_leverage_points_make_no_strong_correlation_and_no_group() -> None:
    """hbk: 14 leverage points far out on X1..X3 and Y make r 0.95+ among the X's and 0.76
    with Y, where the ranks of the other 61 rows say 0.2-0.5. A Pearson r 0.4 or more
    above |rho| rests on those rows: low, and it links no correlated group. A relation
    the ranks blur but keep (r -0.69, rho -0.35) stays as it was."""
    rng = np.random.default_rng(9)
    n, far = 61, 14
    x = rng.normal(2, 1, (n, 3)) + 0.3 * rng.normal(0, 1, (n, 1))  # weakly related
    y = rng.normal(0, 1, n)
    lever = rng.normal(30, 2, (far, 3))
    frame = pd.DataFrame(np.vstack([x, lever]), columns=["X1", "X2", "X3"])
    frame["Y"] = np.r_[y, rng.normal(10, 1, far)]
    found = run_on_frame(analysis("correlation"), frame).findings
    assert not [f for f in found if f["kind"] == "correlated_group"]
    pairs = [f for f in found if f["kind"] == "correlation"]
    assert pairs and all(f["severity"] not in ("medium", "high") for f in pairs)
    x3y = next(f for f in pairs if set(f["subject"]["columns"]) == {"X3", "Y"})
    v = x3y["measurement"]["values"]
    assert abs(v["pearson_r"]) - abs(v["spearman_rho"]) >= 0.4


def test_a_declared_targets_drivers_are_corrected_over_its_own_pairs() -> None:
    """nuclear: 32 plants, cost ~ date r 0.61 (p 2e-4). Declared as the target in a spec,
    nothing changed: Bonferroni over the table's 55 pairs at 0.001 needs r ~0.65 in 32
    rows. A declared target's pairs are the hypotheses its declaration states: p < 0.01
    over its own 10 pairs. Undeclared, the same table keeps the table-wide bar."""
    rng = np.random.default_rng(1)
    n = 32
    date = rng.uniform(67, 71.5, n)
    frame = pd.DataFrame(
        {
            "cost": 200 + 90 * (date - 69) + rng.normal(0, 200, n),
            "date": date,
            **{f"m{k}": rng.normal(0, 1, n) for k in range(9)},
        }
    )

    def pair(result):
        return next(
            f for f in result.findings if set(f["subject"].get("columns", [])) == {"cost", "date"}
        )

    declared = pair(run_on_frame(analysis("correlation"), frame, targets=("cost",)))
    r, p = (
        declared["measurement"]["values"]["pearson_r"],
        declared["measurement"]["values"]["pearson_p"],
    )
    assert 0.3 <= r < 0.65 and p * 10 < 0.01 and p * 55 > 0.001, (r, p)
    assert declared["severity"] == "medium"
    assert "10 pair(s) of that column" in declared["evidence"]["parameters"]["declared_interest"]
    guessed = pair(
        run_on_frame(
            analysis("correlation"),
            frame.rename(columns={"cost": "price"}).rename(columns={"price": "cost"}),
        )
    )
    assert guessed["severity"] in ("info", "low")


def diets(seed: int = 3) -> pd.DataFrame:
    """WeightLoss: 34 dieters in three arms (12, 12, 10) and five unrelated scores: weight
    loss differs across the arms with epsilon^2 0.43, p 0.00076 (x 6 pairs = 0.0046)."""
    rng = np.random.default_rng(seed)
    diet = np.repeat(["control", "diet", "dietex"], [12, 12, 10])
    shift = np.select([diet == "control", diet == "diet", diet == "dietex"], [3.0, 4.2, 5.5])
    frame = pd.DataFrame({"group": diet, "wl": rng.normal(0, 1.6, 34) + shift})
    for k in range(5):
        frame[f"score{k}"] = np.random.default_rng(100 + k).normal(50, 10, 34)
    return frame


def test_a_large_effect_in_a_small_table_is_medium_at_five_percent() -> None:
    """Cohen's large effect (epsilon^2 >= 0.14) is significant at 5% family-wise: 34
    dieters cannot reach 0.1% over 6 pairs, nor can 30 areas' air quality, coastal or
    not (Airq: epsilon^2 0.24, p 0.008 over 5 pairs). The same p for a moderate effect
    stays info, and the rule is cited."""
    from scipy import stats

    frame = diets()
    p = stats.kruskal(*[g["wl"] for _, g in frame.groupby("group")]).pvalue
    assert 0.001 < 6 * p < 0.01
    result = run_on_frame(analysis("group_differences"), frame)
    assert severity_of(result, "group_difference", "wl", "group") == "medium"
    assert "Cohen's large" in analysis("group_differences").method
    rng = np.random.default_rng(3)
    coastal = np.repeat(["yes", "no"], [11, 19])
    air = pd.DataFrame({"airq": np.where(coastal == "yes", 96, 125) + rng.normal(0, 30, 30)})
    for k in range(4):
        air[f"x{k}"] = rng.normal(0, 1, 30)
    air["coastal"] = coastal
    p = stats.kruskal(air.airq[coastal == "yes"], air.airq[coastal == "no"]).pvalue
    assert 0.01 < 5 * p < 0.05
    result = run_on_frame(analysis("group_differences"), air)
    assert severity_of(result, "group_difference", "airq", "coastal") == "medium"


def test_measures_across_a_binning_of_a_measure_are_low() -> None:
    """Age groups cut from an age: income across them is income against age, which
    correlation reports: low, with the rule cited. A grouping that holds one value of a
    measure per level (a province and its population) is no binning: income across an
    unrelated grouping keeps its medium, and so does a measure across levels that each
    carry one attribute value."""
    rng = np.random.default_rng(11)
    age = rng.integers(18, 80, 400)
    frame = pd.DataFrame(
        {
            "age": age,
            "agegrp": np.select([age < 35, age < 55], ["18-34", "35-54"], "55+"),
            "income": 20 + 0.8 * age + rng.normal(0, 8, 400),
            "region": rng.choice(["north", "south", "east", "west"], 400),
        }
    )
    frame["income"] += frame["region"].map({"north": 0, "south": 25, "east": 5, "west": 10})
    frame["region_pop"] = frame["region"].map(
        {"north": 1.2e6, "south": 3.4e6, "east": 0.8e6, "west": 2.1e6}
    )
    result = run_on_frame(analysis("group_differences"), frame)
    income = next(
        f
        for f in result.findings
        if f["subject"].get("column") == "income" and f["subject"].get("group_by") == "agegrp"
    )
    assert income["severity"] == "low"
    assert (
        "'agegrp' is a binning of the measure 'age'"
        in (income["evidence"]["parameters"]["severity_capped"])
    )
    assert severity_of(result, "group_difference", "income", "region") == "medium"


def test_measures_across_a_two_level_cut_of_a_measure_are_low() -> None:
    """pharmacoSmoking: 'ageGroup2' 21-49 / 50+ is a cut of 'age'; years of smoking
    across it is years of smoking against age, which correlation reports: low, the rule
    cited."""
    rng = np.random.default_rng(12)
    age = rng.integers(22, 87, 300)
    frame = pd.DataFrame(
        {
            "age": age,
            "ageGroup2": np.where(age < 50, "21-49", "50+"),
            "yearsSmoking": np.clip(age - 18 - rng.integers(0, 15, 300), 1, None),
        }
    )
    result = run_on_frame(analysis("group_differences"), frame)
    years = next(
        f
        for f in result.findings
        if f["subject"].get("column") == "yearsSmoking"
        and f["subject"].get("group_by") == "ageGroup2"
    )
    assert years["measurement"]["values"]["epsilon_squared"] > 0.3
    assert years["severity"] == "low"
    assert (
        "'ageGroup2' is a binning of the measure 'age'"
        in years["evidence"]["parameters"]["severity_capped"]
    )
    # tinting: 91 younger and 91 older drivers, sampled so: the age groups are the
    # design's factor, and reaction time across them is the experiment's result
    young, old = rng.uniform(21, 28, 91), rng.uniform(70, 79, 91)
    design = pd.DataFrame(
        {
            "age": np.r_[young, old],
            "agegp": ["younger"] * 91 + ["older"] * 91,
            "it": np.r_[rng.gamma(4, 10, 91), rng.gamma(4, 20, 91)],
        }
    )
    [it] = [
        f
        for f in run_on_frame(analysis("group_differences"), design).findings
        if f["subject"].get("column") == "it" and f["subject"].get("group_by") == "agegp"
    ]
    assert it["severity"] == "medium"


def test_a_flag_that_gates_a_measure_is_no_binning_of_it() -> None:
    """Mroz: hours worked are 0 wherever the wife did not work, so 'work' holds disjoint
    blocks of 'hoursw'; read as a binning, experience across work (the table's question)
    was made low as 'restating experience against hours'. A level all at one value is a
    gate, not a bin: experience across work keeps its medium."""
    rng = np.random.default_rng(13)
    n = 700
    work = rng.random(n) < 0.57
    frame = pd.DataFrame(
        {
            "work": np.where(work, "yes", "no"),
            "hoursw": np.where(work, rng.integers(100, 3000, n), 0),
            "experience": np.round(rng.gamma(3, 3, n) + np.where(work, 5.0, 0.0)),
        }
    )
    result = run_on_frame(analysis("group_differences"), frame)
    experience = next(
        f
        for f in result.findings
        if f["subject"].get("column") == "experience" and f["subject"].get("group_by") == "work"
    )
    assert experience["measurement"]["values"]["epsilon_squared"] > 0.1
    assert experience["severity"] == "medium"


def test_a_target_inferred_from_its_name_is_significant_at_one_percent() -> None:
    """Traffic: accidents 'y' by speed limit, epsilon^2 0.05 at p 0.002, the table's one
    pair: info under the table-wide 0.1%. A target guessed from its name keeps the
    table-wide correction, at 1%: medium, the rule cited. The same pair with the measure
    named 'count' (no target) stays under the 0.1% bar."""
    rng = np.random.default_rng(9)
    limit = np.repeat(["no", "yes"], [115, 69])
    frame = pd.DataFrame(
        {"limit": limit, "y": np.round(np.where(limit == "no", 23.1, 18.9) + rng.normal(0, 8, 184))}
    )
    result = run_on_frame(analysis("group_differences"), frame)
    finding = next(f for f in result.findings if f["subject"].get("group_by") == "limit")
    assert 0.001 < finding["measurement"]["values"]["p_value"] < 0.01
    assert finding["severity"] == "medium"
    assert "inferred from its name" in finding["evidence"]["parameters"]["declared_interest"]
    plain = run_on_frame(analysis("group_differences"), frame.rename(columns={"y": "count"}))
    other = next(f for f in plain.findings if f["subject"].get("group_by") == "limit")
    assert other["severity"] in ("info", "low")


def test_follow_up_time_across_its_event_flag_is_the_censoring() -> None:
    """mastectomy: 'time' across its True/False 'event' (epsilon^2 0.48) was medium; the
    censored were followed longer, by construction. correlation caps the same pair when
    the flag is 0/1; group_differences now does too. Another measure across the flag
    keeps its bar."""
    rng = np.random.default_rng(8)
    n = 44
    event = rng.random(n) < 0.6
    frame = pd.DataFrame(
        {
            "time": np.where(event, rng.integers(5, 80, n), rng.integers(90, 230, n)),
            "event": event,
            "size": np.where(event, rng.normal(30, 5, n), rng.normal(20, 5, n)),
        }
    )
    found = run_on_frame(analysis("group_differences"), frame).findings
    time = next(f for f in found if f["subject"].get("column") == "time")
    assert time["severity"] == "low"
    assert "survival" in time["evidence"]["parameters"]["severity_capped"]
    size = next(f for f in found if f["subject"].get("column") == "size")
    assert size["severity"] == "medium"


def test_a_target_keeps_its_pairs_beside_its_complement() -> None:
    """loanapp: 'approve' is 1 - 'reject'; the monotone-twin rule capped approve's pairs
    for reject's, equally strong, and the approval gap by race (90% against 71%) was low.
    A target's pair is not capped for a twin that is no target."""
    from statharness_analyses.relationships.correlation import Correlation

    rng = np.random.default_rng(14)
    n = 2000
    white = (rng.random(n) < 0.8).astype(int)
    approve = (rng.random(n) < np.where(white == 1, 0.91, 0.71)).astype(int)
    frame = pd.DataFrame(
        {"approve": approve, "reject": 1 - approve, "white": white, "x": rng.normal(0, 1, n)}
    )
    found = {
        tuple(f["subject"]["columns"]): f
        for f in run_on_frame(Correlation(), frame).findings
        if f["kind"] == "correlation"
    }
    pair = found.get(("approve", "white")) or found[("white", "approve")]
    assert pair["severity"] == "medium", pair["evidence"]["parameters"].get("severity_capped")


def test_an_outcome_across_two_unequal_groups_is_graded_as_if_they_were_equal() -> None:
    """Churners (14% of customers) make more service calls: epsilon^2 0.02 only because
    the group is small; the same separation between two equal groups is epsilon^2 0.05.
    Across two unequal groups an outcome's difference is graded by epsilon^2 / (4pq)."""
    rng = np.random.default_rng(12)
    n = 3000
    churn = np.where(rng.uniform(size=n) < 0.14, "yes", "no")
    calls = rng.poisson(1.5, n) + (churn == "yes") * rng.poisson(0.7, n)
    frame = pd.DataFrame({"churn": churn, "calls": calls, "minutes": rng.normal(180, 50, n)})
    result = run_on_frame(analysis("group_differences"), frame)
    pair = next(f for f in result.findings if f["subject"].get("column") == "calls")
    eps = pair["measurement"]["values"]["epsilon_squared"]
    share = (churn == "yes").mean()
    assert eps < 0.04 <= eps / (4 * share * (1 - share))
    assert pair["severity"] == "medium"
    assert pair["evidence"]["parameters"]["balanced_epsilon_squared"] == pytest.approx(
        eps / (4 * share * (1 - share)), abs=1e-4
    )
    # not an outcome: the same data under a neutral name keeps the general bars
    neutral = run_on_frame(analysis("group_differences"), frame.rename(columns={"churn": "plan"}))
    assert severity_of(neutral, "group_difference", "calls", "plan") != "medium"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("switch", "arsenic", "dist"), ("switch",)),  # Wells: households switching wells
        (("eval", "beauty", "gender"), ("eval",)),  # a teaching evaluation
        (("los", "procedure", "age75"), ("los",)),  # a hospital stay's length
        (("bwt", "smoke", "age"), ("bwt",)),
    ],
)
def test_classic_outcomes_by_name(names, expected) -> None:
    roles = {"switch": ColumnRole.BOOLEAN, "gender": ColumnRole.CATEGORY}
    columns = [
        SimpleNamespace(name=n, role=roles.get(n, ColumnRole.MEASUREMENT), excluded=False)
        for n in names
    ]
    assert outcome_by_name(columns) == expected


def _bank_wages(first: str = "job", n: int = 474, seed: int = 2) -> pd.DataFrame:
    """BankWages' shape: the job (the outcome, first, named like nothing), education,
    gender, minority; clerical jobs mostly women, management mostly men (V ~ 0.4)."""
    rng = np.random.default_rng(seed)
    gender = rng.choice(["male", "female"], n)
    manage = rng.random(n) < np.where(gender == "male", 0.3, 0.03)
    job = np.where(manage, "manage", np.where(rng.random(n) < 0.1, "custodial", "admin"))
    return pd.DataFrame(
        {
            first: job,
            "education": rng.integers(8, 21, n),
            "gender": gender,
            "minority": rng.choice(["yes", "no"], n, p=[0.2, 0.8]),
        }
    )


def test_the_first_column_is_presumed_the_outcome_when_none_is_named() -> None:
    """AER's BankWages: job ~ gender (V 0.41) stayed low, as did DoctorVisits' visits ~
    reduced (r 0.42): modelling tables put the response first, and no column was named
    like an outcome (raters BC, BE, BG). The first column's strongest pair is medium, the
    presumption said; a spec's targets = [] says there is none; a named outcome wins."""
    frame = _bank_wages()
    cv = run_on_frame(analysis("cramers_v"), frame)
    [f] = [
        f
        for f in cv.findings
        if f["kind"] == "cramers_v" and set(f["subject"]["columns"]) == {"job", "gender"}
    ]
    assert f["severity"] == "medium"
    assert "first column, presumed its outcome" in f["evidence"]["parameters"]["strongest_driver"]
    assert severity_of(cv, "cramers_v", "job", "minority") in ("info", "low")  # not the strongest
    none = run_on_frame(analysis("cramers_v"), frame, targets=())
    assert severity_of(none, "cramers_v", "job", "gender") in ("info", "low")
    # a first column named as a key or a unit's description is no outcome (the regression
    # corpus: elem94_95's distid, Wooldridge's tables opening with age or educ)
    for name in ("distid", "educ"):
        keyed = run_on_frame(analysis("cramers_v"), _bank_wages(first=name))
        assert severity_of(keyed, "cramers_v", name, "gender") in ("info", "low"), name
    named = frame.assign(outcome=frame["education"]).drop(columns="education")
    assert severity_of(
        run_on_frame(analysis("cramers_v"), named), "cramers_v", "job", "gender"
    ) in (
        "info",
        "low",
    )


@pytest.mark.slow
def test_a_presumed_outcome_is_said_in_the_terminal(pytester: pytest.Pytester) -> None:
    """The presumption shapes severity, so the summary says which column it fell on and
    how to turn it off (rater BF: nothing on screen showed why some relations were
    medium); a spec's targets = [] leaves it out."""
    _bank_wages().to_csv(pytester.path / "bw.csv", index=False)
    args = ("-p", "statharness", "--stat-explore", "--stat-dataset", "bw=bw.csv", "-k", "cramers")
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["dataset bw: no column is named or declared an outcome; the first, 'job'*"]
    )
    pytester.path.joinpath("statharness.toml").write_text("[datasets.bw]\ntargets = []\n")
    result = pytester.runpytest_subprocess(*args)
    assert "is presumed one" not in result.stdout.str()
