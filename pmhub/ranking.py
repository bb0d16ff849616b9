"""Fractional ranks: string keys that sort in the order people arrange things.

A key between two neighbours is always found without touching any other row, so moving an item
writes one row (roadmap columns, the backlog). Keys are digits of base 62 compared as strings
(in the "C" byte order of ``0-9A-Za-z``); repeated inserts at one spot make them longer, and a
background rebalance (``rebalanced``) hands out short, evenly spaced keys again.
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE = len(DIGITS)
_VALUE = {digit: n for n, digit in enumerate(DIGITS)}


def rank_between(before: str | None, after: str | None) -> str:
    """A key sorting after ``before`` and before ``after`` (None: the start or the end).

    Raises ValueError if ``before`` does not sort before ``after`` or a key is malformed.
    """
    low = before or ""
    for key in (low, after or ""):
        if any(character not in _VALUE for character in key) or key.endswith("0"):
            raise ValueError(f"not a rank key: {key!r}")
    if after is not None and not low < after:
        raise ValueError(f"{before!r} does not sort before {after!r}")
    return _midpoint(low, after)


def _midpoint(low: str, high: str | None) -> str:
    # Keys are fractions 0.d1d2d3… in base 62; ``low`` reads as 0 where it is shorter, a missing
    # ``high`` as 1. A shared prefix is kept, then the first differing digits decide.
    if high is not None:
        shared = 0
        while shared < len(high) and (low[shared] if shared < len(low) else "0") == high[shared]:
            shared += 1
        if shared:
            return high[:shared] + _midpoint(low[shared:], high[shared:])
    floor = _VALUE[low[0]] if low else 0
    ceiling = _VALUE[high[0]] if high is not None else _BASE
    if ceiling - floor > 1:
        return DIGITS[(floor + ceiling) // 2]
    if high is not None and len(high) > 1:
        return high[0]  # high's first digit alone sorts below high and above low
    return DIGITS[floor] + _midpoint(low[1:], None)


# Appending with ``rank_between(last, None)`` halves the room left at the end each time, so its
# keys grow a digit every few appends; ``rank_after`` counts up in the third digit instead.
_APPEND_WIDTH = 3


def rank_after(key: str | None) -> str:
    """A key sorting after ``key`` (None: the first key), short even after many appends.

    The key is read as a number of at least three base-62 digits and incremented; only when it
    is all ``z`` does this fall back to ``rank_between``.
    """
    if key is None:
        return rank_between(None, None)
    if not key or any(character not in _VALUE for character in key) or key.endswith("0"):
        raise ValueError(f"not a rank key: {key!r}")
    digits = [_VALUE[character] for character in key.ljust(_APPEND_WIDTH, "0")]
    position = len(digits) - 1
    while position >= 0 and digits[position] == _BASE - 1:
        digits[position] = 0
        position -= 1
    if position < 0:
        return rank_between(key, None)
    digits[position] += 1
    return "".join(DIGITS[d] for d in digits).rstrip("0")


def rebalanced(count: int) -> list[str]:
    """``count`` short keys in order, evenly spread (for a background rebalance)."""
    width = 1
    while _BASE**width <= count:
        width += 1
    step = _BASE**width // (count + 1)
    keys = []
    for n in range(1, count + 1):
        value = n * step
        key = ""
        for _ in range(width):
            value, digit = divmod(value, _BASE)
            key = DIGITS[digit] + key
        keys.append(key.rstrip("0"))
    return keys
