"""Prioritization scores: each framework by hand, missing and bad inputs, ROI and quadrants."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backlog.formula import parse
from backlog.scoring import (
    FRAMEWORK_INPUTS,
    NUMERIC_INPUTS,
    Framework,
    Kano,
    MoSCoW,
    Quadrant,
    ScoreError,
    check_input,
    compute,
    describe,
    quadrant,
    roi,
)

RICE = {"reach": 2000, "impact": 2, "confidence": 80, "effort": 4}
WSJF = {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "job_size": 4}
ICE = {"ice_impact": 7, "ice_confidence": 6, "ice_ease": 5}
VALUE_EFFORT = {"value": 8, "effort": 2}
ROI = {"roi_value": 1500, "roi_months": 12, "roi_cost": 6000}


def score_error(framework: Framework, inputs: dict, **kwargs) -> ScoreError:
    with pytest.raises(ScoreError) as caught:
        compute(framework, inputs, **kwargs)
    return caught.value


# --- Each framework against hand-computed values --------------------------------------------------


def test_rice_is_reach_times_impact_times_confidence_over_effort():
    # 2000 × 2 × 0.8 ÷ 4 = 800
    assert compute(Framework.RICE, RICE) == pytest.approx(800)


def test_rice_with_the_smallest_impact_and_decimal_inputs():
    # 100 × 0.25 × 0.5 ÷ 0.5 = 25
    inputs = {"reach": 100, "impact": Decimal("0.25"), "confidence": 50, "effort": Decimal("0.5")}
    assert compute(Framework.RICE, inputs) == pytest.approx(25)


def test_wsjf_is_cost_of_delay_over_job_size():
    # (8 + 5 + 3) ÷ 4 = 4
    assert compute(Framework.WSJF, WSJF) == pytest.approx(4)


def test_ice_is_the_product_of_its_three_scores():
    # 7 × 6 × 5 = 210
    assert compute(Framework.ICE, ICE) == pytest.approx(210)


def test_value_vs_effort_is_value_over_effort():
    # 8 ÷ 2 = 4
    assert compute(Framework.VALUE_EFFORT, VALUE_EFFORT) == pytest.approx(4)


def test_roi_score_is_the_ratio():
    # net = 1500 × 12 − 6000 = 12000; ratio = 12000 ÷ 6000 = 2
    assert compute(Framework.ROI, ROI) == pytest.approx(2)


@pytest.mark.parametrize(
    ("category", "rank"),
    [(MoSCoW.MUST, 4), (MoSCoW.SHOULD, 3), (MoSCoW.COULD, 2), (MoSCoW.WONT, 1)],
)
def test_moscow_sorts_must_first(category: str, rank: int):
    assert compute(Framework.MOSCOW, {"moscow": category}) == rank


@pytest.mark.parametrize(
    ("category", "rank"),
    [
        (Kano.MUST_BE, 5),
        (Kano.PERFORMANCE, 4),
        (Kano.ATTRACTIVE, 3),
        (Kano.INDIFFERENT, 2),
        (Kano.REVERSE, 1),
    ],
)
def test_kano_sorts_must_be_first(category: str, rank: int):
    assert compute(Framework.KANO, {"kano": category}) == rank


def test_the_framework_may_be_given_as_its_stored_value():
    assert compute("wsjf", WSJF) == compute(Framework.WSJF, WSJF)
    assert compute("moscow", {"moscow": "should"}) == 3


def test_inputs_of_other_frameworks_are_ignored():
    assert compute(Framework.ICE, {**RICE, **ICE}) == pytest.approx(210)


def test_custom_formula_reads_inputs_and_custom_fields():
    formula = parse("reach * impact / effort + boost", [*NUMERIC_INPUTS, "boost"])
    # 2000 × 2 ÷ 4 + 10 = 1010
    assert compute(Framework.CUSTOM, {**RICE, "boost": 10}, formula=formula) == pytest.approx(1010)


# --- Missing and zero inputs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("framework", "inputs", "field", "message"),
    [
        (Framework.RICE, {}, "reach", "Reach is missing for RICE."),
        (
            Framework.RICE,
            {**RICE, "confidence": None},
            "confidence",
            "Confidence is missing for RICE.",
        ),
        (Framework.WSJF, {**WSJF, "job_size": None}, "job_size", "Job size is missing for WSJF."),
        (Framework.ICE, {"ice_impact": 3}, "ice_confidence", "ICE confidence is missing for ICE."),
        (Framework.VALUE_EFFORT, {"value": 3}, "effort", "Effort is missing for Value vs effort."),
        (Framework.MOSCOW, {}, "moscow", "MoSCoW is missing for MoSCoW."),
        (Framework.KANO, {"kano": None}, "kano", "Kano category is missing for Kano."),
        (Framework.ROI, {"roi_value": 10}, "roi_months", "Months is missing for ROI."),
    ],
)
def test_the_first_missing_input_is_named(framework, inputs, field, message):
    error = score_error(framework, inputs)
    assert (error.field, error.message) == (field, message)
    assert str(error) == message


@pytest.mark.parametrize(
    ("framework", "inputs", "field", "message"),
    [
        (Framework.RICE, {**RICE, "effort": 0}, "effort", "Effort must be more than 0."),
        (
            Framework.VALUE_EFFORT,
            {"value": 5, "effort": 0},
            "effort",
            "Effort must be more than 0.",
        ),
        (Framework.WSJF, {**WSJF, "job_size": 0}, "job_size", "Job size must be more than 0."),
        (Framework.ROI, {**ROI, "roi_cost": 0}, "roi_cost", "Cost must be more than 0."),
    ],
)
def test_a_zero_divisor_is_a_score_error_not_a_zero_division(framework, inputs, field, message):
    error = score_error(framework, inputs)
    assert not isinstance(error, ZeroDivisionError)
    assert (error.field, error.message) == (field, message)


def test_zero_in_a_numerator_is_a_score_of_zero():
    assert compute(Framework.RICE, {**RICE, "reach": 0}) == 0
    assert compute(Framework.VALUE_EFFORT, {"value": 0, "effort": 3}) == 0


def test_out_of_range_inputs_are_refused_by_compute():
    error = score_error(Framework.ICE, {**ICE, "ice_ease": 11})
    assert (error.field, error.message) == ("ice_ease", "Ease must be between 1 and 10.")


def test_a_score_that_overflows_is_refused():
    error = score_error(Framework.RICE, {**RICE, "reach": 1e308, "effort": 1e-10})
    assert error.field == "reach"
    assert error.message == "The RICE score is too large to compute."


def test_custom_without_a_formula_names_the_formula():
    error = score_error(Framework.CUSTOM, RICE)
    assert error.field == "formula"


def test_custom_formula_errors_become_score_errors_with_the_position():
    formula = parse("reach / (effort - 4)", NUMERIC_INPUTS)
    error = score_error(Framework.CUSTOM, RICE, formula=formula)
    assert (error.field, error.message) == ("formula", "Division by zero at position 6")
    error = score_error(Framework.CUSTOM, {"reach": 1}, formula=formula)
    assert (error.field, error.message) == ("formula", "effort has no value at position 9")


def test_an_unknown_framework_is_a_programming_error():
    with pytest.raises(ValueError):
        compute("moneyball", {})


# --- check_input ranges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "good"),
    [
        ("reach", 0),
        ("reach", 10**9),
        ("impact", 0.25),
        ("impact", Decimal("0.50")),
        ("impact", 3),
        ("confidence", 0),
        ("confidence", 100),
        ("effort", 0.01),
        ("business_value", 0),
        ("time_criticality", 0),
        ("risk_reduction", 0),
        ("job_size", 0.5),
        ("ice_impact", 1),
        ("ice_confidence", 10),
        ("ice_ease", 5.5),
        ("value", 0),
        ("value", 10),
        ("roi_value", 0),
        ("roi_months", 1),
        ("roi_months", 120),
        ("roi_months", 12.0),
        ("roi_cost", 0.01),
        ("estimate", 0),
        ("moscow", "wont"),
        ("kano", Kano.MUST_BE),
    ],
)
def test_check_input_accepts_values_at_the_edges_of_the_range(name: str, good: object):
    check_input(name, good)


@pytest.mark.parametrize("name", [*NUMERIC_INPUTS, "moscow", "kano"])
def test_check_input_always_accepts_none(name: str):
    check_input(name, None)


@pytest.mark.parametrize(
    ("name", "bad", "message"),
    [
        ("reach", -1, "Reach must be 0 or more."),
        ("impact", 1.5, "Impact must be one of 0.25, 0.5, 1, 2, 3."),
        ("impact", 0, "Impact must be one of 0.25, 0.5, 1, 2, 3."),
        ("confidence", -0.1, "Confidence must be between 0 and 100."),
        ("confidence", 100.5, "Confidence must be between 0 and 100."),
        ("effort", 0, "Effort must be more than 0."),
        ("effort", -2, "Effort must be more than 0."),
        ("business_value", -1, "Business value must be 0 or more."),
        ("time_criticality", -1, "Time criticality must be 0 or more."),
        ("risk_reduction", -1, "Risk reduction must be 0 or more."),
        ("job_size", 0, "Job size must be more than 0."),
        ("ice_impact", 0, "ICE impact must be between 1 and 10."),
        ("ice_confidence", 10.5, "ICE confidence must be between 1 and 10."),
        ("ice_ease", 0.99, "Ease must be between 1 and 10."),
        ("value", 10.01, "Value must be between 0 and 10."),
        ("value", -1, "Value must be between 0 and 10."),
        ("roi_value", -5, "Value per month must be 0 or more."),
        ("roi_months", 0, "Months must be a whole number between 1 and 120."),
        ("roi_months", 121, "Months must be a whole number between 1 and 120."),
        ("roi_months", 2.5, "Months must be a whole number between 1 and 120."),
        ("roi_cost", 0, "Cost must be more than 0."),
        ("estimate", -3, "Estimate must be 0 or more."),
        ("reach", True, "Reach must be a number."),
        ("effort", "3", "Effort must be a number."),
        ("effort", float("nan"), "Effort must be a finite number."),
        ("reach", float("inf"), "Reach must be a finite number."),
        ("moscow", "maybe", "MoSCoW must be one of Must, Should, Could, Won't."),
        (
            "kano",
            3,
            "Kano category must be one of Must-be, Performance, Attractive, Indifferent, Reverse.",
        ),
    ],
)
def test_check_input_refuses_out_of_range_values_naming_the_field(
    name: str, bad: object, message: str
):
    with pytest.raises(ScoreError) as caught:
        check_input(name, bad)
    assert (caught.value.field, caught.value.message) == (name, message)


def test_check_input_of_an_unknown_name_is_a_programming_error():
    with pytest.raises(ValueError):
        check_input("reachh", 3)


def test_every_framework_lists_its_inputs_and_custom_lists_none():
    assert set(FRAMEWORK_INPUTS) == set(Framework)
    assert FRAMEWORK_INPUTS[Framework.CUSTOM] == ()
    assert FRAMEWORK_INPUTS[Framework.RICE] == ("reach", "impact", "confidence", "effort")
    numeric = {name for names in FRAMEWORK_INPUTS.values() for name in names} - {"moscow", "kano"}
    assert set(NUMERIC_INPUTS) == numeric | {"estimate"}


# --- roi() ----------------------------------------------------------------------------------------


def test_roi_returns_net_and_ratio():
    # net = 1500 × 12 − 6000 = 12000; ratio = 12000 ÷ 6000 = 2
    assert roi(value_per_month=1500, months=12, cost=6000) == pytest.approx((12000, 2))


def test_roi_breaks_even_at_zero():
    # 500 × 12 − 6000 = 0
    assert roi(value_per_month=500, months=12, cost=6000) == (0, 0)


def test_roi_with_no_value_loses_the_whole_cost():
    # 0 × 1 − 100 = −100; −100 ÷ 100 = −1
    assert roi(value_per_month=0, months=1, cost=100) == (-100, -1)


def test_roi_at_the_longest_horizon():
    # 10 × 120 − 200 = 1000; 1000 ÷ 200 = 5
    assert roi(value_per_month=10, months=120, cost=200) == (1000, 5)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"value_per_month": 1, "months": 12, "cost": 0}, "roi_cost"),
        ({"value_per_month": 1, "months": 0, "cost": 10}, "roi_months"),
        ({"value_per_month": 1, "months": 121, "cost": 10}, "roi_months"),
        ({"value_per_month": None, "months": 12, "cost": 10}, "roi_value"),
        ({"value_per_month": 1e308, "months": 120, "cost": 10}, "roi_value"),
    ],
)
def test_roi_refuses_bad_inputs(kwargs: dict, field: str):
    with pytest.raises(ScoreError) as caught:
        roi(**kwargs)
    assert caught.value.field == field


# --- quadrant() -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "effort", "expected"),
    [
        (8, 1, Quadrant.QUICK_WIN),
        (8, 9, Quadrant.BIG_BET),
        (2, 1, Quadrant.FILL_IN),
        (2, 9, Quadrant.MONEY_PIT),
        (5, 3, Quadrant.QUICK_WIN),  # value at the mid is high; effort at the mid is low
        (5, 3.01, Quadrant.BIG_BET),
        (4.99, 3, Quadrant.FILL_IN),
        (4.99, 3.01, Quadrant.MONEY_PIT),
        (Decimal("5.0"), Decimal("3"), Quadrant.QUICK_WIN),
    ],
)
def test_quadrant_at_and_around_the_mid_points(value, effort, expected):
    assert quadrant(value, effort, effort_mid=3) == expected


def test_quadrant_uses_the_given_value_mid():
    assert quadrant(6, 1, value_mid=7, effort_mid=3) == Quadrant.FILL_IN


def test_quadrant_is_none_without_value_or_effort():
    assert quadrant(None, 1, effort_mid=3) is None
    assert quadrant(8, None, effort_mid=3) is None


def test_quadrant_labels():
    assert Quadrant.QUICK_WIN.label == "Quick wins"


# --- Labels and descriptions ----------------------------------------------------------------------


def test_framework_labels():
    assert Framework.VALUE_EFFORT.label == "Value vs effort"
    assert Framework.MOSCOW.label == "MoSCoW"
    assert Framework.CUSTOM.label == "Custom formula"
    assert MoSCoW.WONT.label == "Won't"


def test_every_framework_is_described_in_one_line():
    assert describe(Framework.RICE) == "Reach × Impact × Confidence ÷ Effort"
    assert describe("wsjf") == "(Business value + Time criticality + Risk reduction) ÷ Job size"
    for framework in Framework:
        text = describe(framework)
        assert text and "\n" not in text
