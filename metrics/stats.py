"""Statistics of A/B tests: pure functions over counts, no Django.

Everything here is closed-form and exact to double precision (the tests compare it with scipy
to 1e-9 relative):

- ``z_test``: two-proportion z-test with the pooled standard error, two-sided p-value.
- ``compare``: a variant against the control: relative lift and a confidence interval for the
  absolute difference of the two rates (unpooled standard error).
- ``sample_size``: users per variant needed to detect a relative minimum detectable effect.
- ``sample_ratio_mismatch``: chi-square goodness of fit of users per variant to the planned split.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the standard normal quantile at 0.975: a two-sided 95 % interval
SRM_THRESHOLD = 0.001  # a split this unlikely under the plan means the assignment is broken
SIGNIFICANCE = 0.05  # two-sided: a difference is called significant when p < 0.05 (95 % level)


# --- The normal and chi-square distributions -----------------------------------------------------


def norm_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z: ``erfc(z / √2) / 2`` (no cancellation in the tail)."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def norm_ppf(p: float) -> float:
    """The standard normal quantile: Φ⁻¹(p) for 0 < p < 1.

    Acklam's rational approximation (relative error 1.2e-9), then two Newton steps on
    ``Φ(x) = p`` with Φ from ``erfc``, which bring it to double precision.
    """
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269,
         -30.66479806614716, 2.506628277459239)  # fmt: skip
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
         -13.28068155288572)  # fmt: skip
    c = (-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
         4.374664141464968, 2.938163982698783)  # fmt: skip
    d = (0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416)
    low = 0.02425
    if p < low:
        q = math.sqrt(-2 * math.log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    elif p <= 1 - low:
        q = p - 0.5
        r = q * q
        x = (
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
            * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        )
    else:
        q = math.sqrt(-2 * math.log(1 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    for _ in range(2):
        # Φ(x) − p, from the nearer tail so that it keeps its precision.
        error = norm_sf(-x) - p if x < 0 else (1.0 - p) - norm_sf(x)
        x -= error * math.sqrt(2 * math.pi) * math.exp(x * x / 2)
    return x


def chi2_sf(x: float, df: int) -> float:
    """P(X > x) for X chi-square with ``df`` (a positive integer) degrees of freedom.

    This is the regularized upper incomplete gamma Q(df/2, x/2), in closed form, with y = x/2:
    even df = 2m: ``Q = e^−y Σ_{i<m} y^i / i!``;
    odd df = 2m+1: ``Q = erfc(√y) + e^−y Σ_{i<m} y^(i+½) / Γ(i+3/2)``.
    The terms are summed in log space so a large ``y`` does not underflow them.
    """
    if df < 1 or int(df) != df:
        raise ValueError("df must be a positive integer")
    if x <= 0:
        return 1.0
    y = x / 2.0
    if df % 2 == 0:
        logs = [-y + i * math.log(y) - math.lgamma(i + 1) for i in range(df // 2)]
        head = 0.0
    else:
        logs = [-y + (i + 0.5) * math.log(y) - math.lgamma(i + 1.5) for i in range(df // 2)]
        head = math.erfc(math.sqrt(y))
    if not logs:
        return head
    top = max(logs)
    return head + math.exp(top) * math.fsum(math.exp(v - top) for v in logs)


# --- Tests and estimates --------------------------------------------------------------------------


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float


def z_test(
    control_conversions: int, control_users: int, variant_conversions: int, variant_users: int
) -> ZTest | None:
    """Two-proportion z-test of the variant's rate against the control's.

    ``p̂ = (x_c + x_v) / (n_c + n_v)``, ``SE = √(p̂(1 − p̂)(1/n_c + 1/n_v))``,
    ``z = (x_v/n_v − x_c/n_c) / SE``, two-sided ``p = 2·P(Z > |z|) = erfc(|z|/√2)``.
    None when a group is empty or the pooled rate is 0 or 1 (SE = 0: nothing to test).
    """
    if control_users <= 0 or variant_users <= 0:
        return None
    pooled = (control_conversions + variant_conversions) / (control_users + variant_users)
    se = math.sqrt(pooled * (1 - pooled) * (1 / control_users + 1 / variant_users))
    if se == 0:
        return None
    z = (variant_conversions / variant_users - control_conversions / control_users) / se
    return ZTest(z=z, p_value=math.erfc(abs(z) / math.sqrt(2.0)))


@dataclass(frozen=True)
class Comparison:
    difference: float  # p_v − p_c, absolute
    lift: float | None  # (p_v − p_c) / p_c; None when the control never converts
    ci_low: float  # 95 % interval of the absolute difference
    ci_high: float
    z: float | None
    p_value: float | None

    @property
    def significant(self) -> bool:
        """Whether the z-test rejects "no difference" at the 95 % level (p < 0.05)."""
        return self.p_value is not None and self.p_value < SIGNIFICANCE


def compare(
    control_conversions: int,
    control_users: int,
    variant_conversions: int,
    variant_users: int,
    *,
    z_crit: float = Z_95,
) -> Comparison | None:
    """A variant against the control: lift, 95 % interval of the difference, z-test.

    ``lift = (p_v − p_c) / p_c``; interval ``(p_v − p_c) ± z·√(p_c(1−p_c)/n_c + p_v(1−p_v)/n_v)``
    with z = 1.959963984540054 (unpooled SE); the p-value is ``z_test``'s (pooled SE).
    None when either group has no users.
    """
    if control_users <= 0 or variant_users <= 0:
        return None
    p_c = control_conversions / control_users
    p_v = variant_conversions / variant_users
    difference = p_v - p_c
    se = math.sqrt(p_c * (1 - p_c) / control_users + p_v * (1 - p_v) / variant_users)
    test = z_test(control_conversions, control_users, variant_conversions, variant_users)
    return Comparison(
        difference=difference,
        lift=difference / p_c if p_c > 0 else None,
        ci_low=difference - z_crit * se,
        ci_high=difference + z_crit * se,
        z=test.z if test else None,
        p_value=test.p_value if test else None,
    )


def sample_size(
    baseline: float, mde: float, *, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Users per variant to detect a relative change ``mde`` of the ``baseline`` rate.

    With p₁ = baseline, p₂ = p₁(1 + mde), p̄ = (p₁ + p₂)/2, two-sided ``alpha`` and ``power``:
    ``n = (z_{1−α/2}·√(2p̄(1−p̄)) + z_{power}·√(p₁(1−p₁) + p₂(1−p₂)))² / (p₂ − p₁)²``,
    rounded up. None when it is undefined (baseline 0 or 1, p₂ outside (0, 1), mde 0).
    """
    p1 = baseline
    p2 = baseline * (1 + mde)
    if not (0 < p1 < 1 and 0 < p2 < 1) or p1 == p2:
        return None
    return math.ceil(sample_size_exact(p1, p2, alpha=alpha, power=power) - 1e-9)


def sample_size_exact(p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """``sample_size``'s formula before rounding up, for absolute rates p₁ and p₂."""
    z_alpha = norm_ppf(1 - alpha / 2)
    z_power = norm_ppf(power)
    mean = (p1 + p2) / 2
    spread = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_power * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return spread * spread / ((p2 - p1) ** 2)


@dataclass(frozen=True)
class SampleRatio:
    chi_square: float
    df: int
    p_value: float
    mismatch: bool  # p < SRM_THRESHOLD


def sample_ratio_mismatch(
    users: Sequence[int], weights: Sequence[float] | None = None
) -> SampleRatio | None:
    """Chi-square goodness of fit of ``users`` per variant to the planned split.

    Expected ``E_i = N·w_i / Σw`` (equal weights by default), ``χ² = Σ (O_i − E_i)² / E_i``
    with k − 1 degrees of freedom, ``p = P(χ²_{k−1} > χ²)``; a mismatch when p < 0.001.
    None with fewer than two variants or no users.
    """
    if weights is None:
        weights = [1.0] * len(users)
    if len(users) != len(weights):
        raise ValueError("one weight per variant")
    total = sum(users)
    if len(users) < 2 or total <= 0 or any(w <= 0 for w in weights):
        return None
    weight_total = sum(weights)
    chi_square = math.fsum(
        (observed - total * w / weight_total) ** 2 / (total * w / weight_total)
        for observed, w in zip(users, weights, strict=True)
    )
    df = len(users) - 1
    p_value = chi2_sf(chi_square, df)
    return SampleRatio(chi_square, df, p_value, p_value < SRM_THRESHOLD)
