"""The A/B test statistics of metrics/stats.py against scipy and hand computations.

Fixed inputs; every value must agree to 1e-9 relative.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats

from metrics import stats as experiment_stats

REL = 1e-9

# (control conversions, control users, variant conversions, variant users)
COUNTS = [
    (120, 1000, 150, 1000),
    (48, 2400, 61, 2390),
    (5, 37, 11, 40),
    (900, 10000, 1010, 10050),
    (300, 1000, 240, 980),
]


@pytest.mark.parametrize("counts", COUNTS)
def test_z_test_matches_a_hand_computation_and_scipy(counts):
    x_c, n_c, x_v, n_v = counts
    # By hand: pooled rate and standard error, then the two-sided tail.
    pooled = (x_c + x_v) / (n_c + n_v)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_v))
    z = (x_v / n_v - x_c / n_c) / se
    result = experiment_stats.z_test(x_c, n_c, x_v, n_v)
    assert result is not None
    assert result.z == pytest.approx(z, rel=REL)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=REL)


def test_z_test_by_hand_on_one_case():
    # 120/1000 vs 150/1000: pooled 0.135, SE = √(0.135·0.865·0.002), z = 0.03 / SE.
    result = experiment_stats.z_test(120, 1000, 150, 1000)
    se = math.sqrt(0.135 * 0.865 * 0.002)
    assert result.z == pytest.approx(0.03 / se, rel=REL)
    assert result.z == pytest.approx(1.963049807622355, rel=1e-12)
    assert result.p_value == pytest.approx(0.0496403868653688, rel=1e-9)  # just under 0.05


@pytest.mark.parametrize("counts", COUNTS)
def test_lift_and_confidence_interval_match_scipys_quantile(counts):
    x_c, n_c, x_v, n_v = counts
    p_c, p_v = x_c / n_c, x_v / n_v
    se = math.sqrt(p_c * (1 - p_c) / n_c + p_v * (1 - p_v) / n_v)
    z = stats.norm.ppf(0.975)
    result = experiment_stats.compare(x_c, n_c, x_v, n_v)
    assert result.difference == pytest.approx(p_v - p_c, rel=REL)
    assert result.lift == pytest.approx((p_v - p_c) / p_c, rel=REL)
    assert result.ci_low == pytest.approx(p_v - p_c - z * se, rel=REL)
    assert result.ci_high == pytest.approx(p_v - p_c + z * se, rel=REL)
    assert result.p_value == pytest.approx(experiment_stats.z_test(*counts).p_value, rel=REL)


def test_comparison_without_control_conversions_has_no_lift():
    result = experiment_stats.compare(0, 100, 3, 100)
    assert result.lift is None and result.p_value is not None
    assert experiment_stats.compare(0, 0, 3, 100) is None
    assert experiment_stats.z_test(0, 100, 0, 100) is None


@pytest.mark.parametrize("p", [1e-12, 1e-4, 0.01, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999, 1 - 1e-9])
def test_normal_quantile_matches_scipy(p):
    assert experiment_stats.norm_ppf(p) == pytest.approx(stats.norm.ppf(p), rel=REL, abs=1e-15)


@pytest.mark.parametrize(
    ("baseline", "mde"), [(0.1, 0.1), (0.05, 0.2), (0.3, -0.1), (0.5, 0.05), (0.02, 0.5)]
)
def test_sample_size_matches_the_formula_with_scipys_quantiles(baseline, mde):
    p1, p2 = baseline, baseline * (1 + mde)
    mean = (p1 + p2) / 2
    z_a, z_b = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    n = (
        z_a * math.sqrt(2 * mean * (1 - mean)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    ) ** 2 / (p2 - p1) ** 2
    assert experiment_stats.sample_size_exact(p1, p2) == pytest.approx(n, rel=REL)
    assert experiment_stats.sample_size(baseline, mde) == math.ceil(n)


def test_sample_size_by_hand_for_ten_percent_of_ten_percent():
    # The textbook case: 10 % baseline, +10 % relative → 14,751 per variant.
    assert experiment_stats.sample_size(0.1, 0.1) == 14751


def test_sample_size_is_undefined_outside_rates():
    assert experiment_stats.sample_size(0.0, 0.1) is None
    assert experiment_stats.sample_size(0.95, 0.1) is None
    assert experiment_stats.sample_size(0.2, 0.0) is None


@pytest.mark.parametrize(
    ("x", "df"),
    [(0.01, 1), (0.5, 1), (3.84, 1), (25.0, 1), (1.0, 2), (7.3, 3), (40.0, 4), (12.5, 7),
     (200.0, 3), (3000.0, 2999), (0.2, 10)],
)  # fmt: skip
def test_chi_square_survival_matches_scipy(x, df):
    assert experiment_stats.chi2_sf(x, df) == pytest.approx(stats.chi2.sf(x, df), rel=REL)


@pytest.mark.parametrize(
    ("users", "weights"),
    [
        ([1000, 900], None),
        ([5000, 5100], None),
        ([330, 310, 360], None),
        ([1000, 1000, 800, 1200], None),
        ([700, 300], [0.7, 0.3]),
        ([5000, 4000], None),
    ],
)
def test_sample_ratio_mismatch_matches_scipys_chisquare(users, weights):
    total = sum(users)
    w = weights or [1] * len(users)
    expected = [total * x / sum(w) for x in w]
    reference = stats.chisquare(users, expected)
    result = experiment_stats.sample_ratio_mismatch(users, weights)
    assert result.chi_square == pytest.approx(reference.statistic, rel=REL)
    assert result.df == len(users) - 1
    assert result.p_value == pytest.approx(reference.pvalue, rel=REL)
    assert result.mismatch == (reference.pvalue < 0.001)


def test_a_skewed_split_is_a_mismatch_and_an_even_one_is_not():
    assert experiment_stats.sample_ratio_mismatch([5000, 4000]).mismatch
    assert not experiment_stats.sample_ratio_mismatch([5000, 5050]).mismatch
    assert experiment_stats.sample_ratio_mismatch([10]) is None
