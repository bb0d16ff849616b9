"""The custom formula language: what it computes, and everything it refuses with a position."""

from __future__ import annotations

import math
import time
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backlog.formula import Formula, FormulaError, parse

NAMES = {"reach", "impact", "effort", "x", "y", "_"}


def value(text: str, **values: object) -> float:
    return parse(text, NAMES).evaluate(values)


def refusal(text: str, names: set[str] = NAMES) -> FormulaError:
    with pytest.raises(FormulaError) as caught:
        parse(text, names)
    return caught.value


def evaluation_error(text: str, **values: object) -> FormulaError:
    formula = parse(text, NAMES)
    with pytest.raises(FormulaError) as caught:
        formula.evaluate(values)
    return caught.value


# --- What it computes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),  # * before +
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),  # left-associative: (10 - 4) - 3
        ("24 / 4 / 2", 3),  # (24 / 4) / 2
        ("2 ^ 3 ^ 2", 512),  # right-associative: 2 ^ 9
        ("-2 ^ 2", -4),  # ^ binds tighter than unary minus: -(2 ^ 2)
        ("(-2) ^ 2", 4),
        ("2 ^ -1", 0.5),
        ("2 * 3 ^ 2", 18),  # 2 * 9
        ("- -3", 3),
        ("+4", 4),
        ("1 - -1", 2),
        ("0.5 + .5 + 1.", 2),
        ("sqrt(16)", 4),
        ("log(1)", 0),
        ("log(8, 2)", 3),
        ("abs(-3.5)", 3.5),
        ("min(3, 1, 2)", 1),
        ("max(3)", 3),
        ("max(1, 2) * min(4, 5) - abs(-1)", 7),  # 2 * 4 - 1
        ("sqrt (9)", 3),  # whitespace before the parenthesis is fine
        ("\t1\n+\r2 ", 3),
    ],
)
def test_constant_expressions_follow_precedence_and_associativity(text: str, expected: float):
    assert value(text) == pytest.approx(expected)


def test_log_is_the_natural_logarithm():
    assert value("log(x)", x=math.e) == pytest.approx(1)


def test_variables_are_read_from_the_values():
    # 1000 × 2 ÷ 4 = 500
    assert value("reach * impact / effort", reach=1000, impact=2, effort=4) == 500


def test_booleans_count_as_one_and_zero_and_decimals_are_read():
    assert value("x + y", x=True, y=False) == 1
    assert value("x * 2", x=Decimal("1.25")) == 2.5


def test_underscore_alone_is_a_name():
    assert value("_ + 1", _=2) == 3


def test_formula_reports_its_text_and_the_names_it_uses():
    formula = parse("reach * 2 + max(x, reach)", NAMES)
    assert isinstance(formula, Formula)
    assert formula.text == "reach * 2 + max(x, reach)"
    assert formula.names == frozenset({"reach", "x"})


def test_a_known_name_that_shadows_a_function_is_a_variable_when_not_called():
    assert parse("min + min(1, 2)", {"min"}).evaluate({"min": 5}) == 6


# --- What parsing refuses, and where --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("__import__('os')", 0, "Unknown name '__import__'"),
        ("x.__class__", 1, "Unexpected character '.'"),
        ("lambda", 0, "Unknown name 'lambda'"),
        ("lambda: 1", 0, "Unknown name 'lambda'"),
        ("reach + foo", 8, "Unknown name 'foo'"),
        ("foo(1)", 0, "Unknown name 'foo'"),  # an unknown function
        ("x + 'a'", 4, 'Unexpected character "\'"'),
        ('"a"', 0, "Unexpected character '\"'"),
        ("x[0]", 1, "Unexpected character '['"),
        ("1 % 2", 2, "Unexpected character '%'"),
        ("x == 1", 2, "Unexpected character '='"),
        ("(1", 0, "Unbalanced parenthesis: '(' is not closed"),
        ("max(1, (2)", 3, "Unbalanced parenthesis: '(' is not closed"),
        ("1)", 1, "Unbalanced parenthesis: ')' has no matching '('"),
        ("1 +", 3, "Unexpected end of formula"),
        ("1 + * 2", 4, "Two operators in a row: '*' after '+'"),
        ("2 ^ ^ 2", 4, "Two operators in a row: '^' after '^'"),
        ("* 2", 0, "Expected a number, a name or '(' but found '*'"),
        ("()", 1, "Expected a number, a name or '(' but found ')'"),
        ("1 2", 2, "Unexpected number 2"),
        ("x y", 2, "Unexpected name 'y'"),
        ("1..2", 2, "Unexpected number .2"),
        ("(1 2)", 3, "Expected ')' but found number 2"),
        ("min(1 2)", 6, "Expected ',' or ')' but found number 2"),
        ("min(1,)", 6, "Expected a number, a name or '(' but found ')'"),
        ("sqrt", 0, "Function 'sqrt' needs its arguments in parentheses"),
        ("1 + log * 2", 4, "Function 'log' needs its arguments in parentheses"),
        ("x(2)", 0, "'x' is not a function"),
        ("sqrt(1, 2)", 0, "sqrt() takes exactly 1 argument, not 2"),
        ("1 + abs()", 4, "abs() takes exactly 1 argument, not 0"),
        ("log(1, 2, 3)", 0, "log() takes 1 or 2 arguments, not 3"),
        ("min()", 0, "min() takes at least 1 argument, not 0"),
        ("", 0, "Formula is empty"),
        (" \t\n", 0, "Formula is empty"),
        ("1" * 400, 0, "Number is too large"),
        ("1e200", 1, "Unexpected name 'e200'"),  # no exponent notation
    ],
)
def test_parse_refuses_with_the_position(text: str, position: int, message: str):
    error = refusal(text)
    assert (error.message, error.position) == (message, position)
    assert str(error) == f"{message} at position {position}"


def test_names_are_case_sensitive():
    assert refusal("Reach").message == "Unknown name 'Reach'"


def test_a_non_ascii_letter_is_not_a_name():
    error = refusal("x + é")
    assert (error.message, error.position) == ("Unexpected character 'é'", 4)


def test_nesting_30_deep_is_refused_at_the_21st_level():
    error = refusal("(" * 30 + "1" + ")" * 30)
    assert error.message == "Formula is nested more than 20 levels deep"
    assert error.position == 20


def test_nesting_20_deep_is_allowed():
    assert value("(" * 20 + "1" + ")" * 20) == 1


def test_deep_function_calls_and_unary_chains_count_as_nesting():
    assert refusal("abs(" * 21 + "1" + ")" * 21).position == 83  # the 21st '(': 4 × 20 + 3
    assert refusal("-" * 21 + "1").position == 20
    assert refusal("2^" * 21 + "2").position == 41  # the 21st '^'


def test_more_than_200_parts_is_refused():
    error = refusal("+".join(["1"] * 101))  # 101 numbers and 100 additions: 201 parts
    assert error.message == "Formula has more than 200 parts"


def test_a_600_character_formula_is_refused_before_parsing():
    error = refusal("1 + " * 149 + "1234")  # 600 characters
    assert (error.message, error.position) == ("Formula is longer than 500 characters", 500)


def test_the_first_problem_from_the_left_is_reported():
    # The unknown name comes before the bad quote and the unclosed parenthesis.
    assert refusal("bad + 'a' + (").position == 0


# --- What evaluation refuses, and where -----------------------------------------------------------


def test_division_by_zero_is_reported_at_the_slash():
    error = evaluation_error("reach / (effort - 2)", reach=10, effort=2)
    assert (error.message, error.position) == ("Division by zero", 6)


def test_zero_to_a_negative_power_is_a_division_by_zero():
    assert evaluation_error("x ^ -1", x=0).message == "Division by zero"


def test_a_missing_or_none_input_has_no_value():
    error = evaluation_error("1 + effort", reach=1)
    assert str(error) == "effort has no value at position 4"
    assert evaluation_error("x", x=None).message == "x has no value"


@pytest.mark.parametrize("bad", ["3", [1], math.inf, math.nan, Decimal("NaN"), 10**400])
def test_an_input_that_is_not_a_finite_number_is_refused(bad: object):
    error = evaluation_error("2 * x", x=bad)
    assert error.position == 4
    assert error.message in ("x is not a number", "x is not a finite number")


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("1 + sqrt(-1)", 4, "sqrt() of a negative number"),
        ("log(0)", 0, "log() of a number that is not positive"),
        ("log(-2, 10)", 0, "log() of a number that is not positive"),
        ("log(8, 1)", 0, "log() base must be positive and not 1"),
        ("log(8, 0)", 0, "log() base must be positive and not 1"),
        ("(-8) ^ 0.5", 5, "A negative number cannot be raised to a fractional power"),
        ("2 ^ 1001", 2, "Exponent is larger than 1000"),
        ("10 ^ 301", 3, "Result is too large"),
    ],
)
def test_domain_errors_are_reported_at_the_function_or_operator(
    text: str, position: int, message: str
):
    with pytest.raises(FormulaError) as caught:
        parse(text, NAMES).evaluate({})
    assert (caught.value.message, caught.value.position) == (message, position)


def test_an_overflowing_product_is_refused_not_infinite():
    error = evaluation_error("x * x * x", x=1e200)
    assert (error.message, error.position) == ("Result is too large", 2)


def test_a_tower_of_powers_errors_quickly():
    started = time.monotonic()
    error = evaluation_error("9^9^9^9")
    assert time.monotonic() - started < 1
    # 9^9 = 387420489 is fine; 9^387420489 has too large an exponent, at the second '^'.
    assert (error.message, error.position) == ("Exponent is larger than 1000", 3)


# --- Properties -----------------------------------------------------------------------------------

VARIABLES = {"x": 3.0, "y": -1.5, "_": 0.25}

leaves = st.one_of(
    st.integers(min_value=0, max_value=99).map(lambda n: ("num", str(n))),
    st.sampled_from(["0.5", ".25", "2.0"]).map(lambda text: ("num", text)),
    st.sampled_from(sorted(VARIABLES)).map(lambda name: ("var", name)),
)


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(st.just("neg"), children),
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children),
        # Small whole exponents keep the reference within float range.
        st.tuples(st.just("^"), children, st.integers(min_value=0, max_value=3)),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(children, min_size=1, max_size=3)),
        st.tuples(st.just("abs"), children),
    )


trees = st.recursive(leaves, _extend, max_leaves=8)


def _format(tree: tuple) -> str:
    """Fully parenthesized text, so the reference needs no notion of precedence."""
    kind = tree[0]
    if kind in ("num", "var"):
        return tree[1]
    if kind == "neg":
        return f"(-{_format(tree[1])})"
    if kind == "^":
        return f"({_format(tree[1])} ^ {tree[2]})"
    if kind in ("min", "max"):
        return f"{kind}({', '.join(_format(arg) for arg in tree[1])})"
    if kind == "abs":
        return f"abs({_format(tree[1])})"
    return f"({_format(tree[1])} {kind} {_format(tree[2])})"


def _reference(tree: tuple) -> float:
    """The same tree computed with plain Python arithmetic."""
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "var":
        return VARIABLES[tree[1]]
    if kind == "neg":
        return -_reference(tree[1])
    if kind == "^":
        return _reference(tree[1]) ** tree[2]
    if kind == "min":
        return min(_reference(arg) for arg in tree[1])
    if kind == "max":
        return max(_reference(arg) for arg in tree[1])
    if kind == "abs":
        return abs(_reference(tree[1]))
    left, right = _reference(tree[1]), _reference(tree[2])
    if kind == "+":
        return left + right
    if kind == "-":
        return left - right
    if kind == "*":
        return left * right
    return left / right  # ZeroDivisionError is the expected refusal


def _depth(tree: tuple) -> int:
    """Nesting levels the parser counts: each parenthesis or call, two for (-x)."""
    kind = tree[0]
    if kind in ("num", "var"):
        return 0
    if kind == "neg":
        return 2 + _depth(tree[1])
    if kind in ("min", "max"):
        return 1 + max(_depth(arg) for arg in tree[1])
    if kind in ("abs", "^"):
        return 1 + _depth(tree[1]) + (kind == "^")
    return 1 + max(_depth(tree[1]), _depth(tree[2]))


@settings(max_examples=200, deadline=None)
@given(trees)
def test_the_evaluator_agrees_with_python_arithmetic(tree: tuple):
    assume(_depth(tree) <= 20)
    text = _format(tree)
    formula = parse(text, set(VARIABLES))
    try:
        expected = _reference(tree)
    except ZeroDivisionError:
        with pytest.raises(FormulaError, match="Division by zero"):
            formula.evaluate(VARIABLES)
        return
    assume(math.isfinite(expected) and abs(expected) < 1e300)
    assert formula.evaluate(VARIABLES) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789.+-*/^(), xy_sqrtlogminabs'[]", max_size=40))
def test_any_text_is_either_a_formula_or_a_formula_error(text: str):
    try:
        formula = parse(text, {"x", "y", "_"})
    except FormulaError as error:
        assert 0 <= error.position <= len(text)
        return
    try:
        result = formula.evaluate({"x": 2, "y": 0, "_": -1})
    except FormulaError as error:
        assert 0 <= error.position < len(text)
        return
    assert math.isfinite(result)
