"""Fractional rank keys: always a key between two neighbours, in byte order."""

from __future__ import annotations

import random

import pytest

from pmhub.ranking import rank_between, rebalanced


def test_keys_inserted_anywhere_keep_their_order():
    keys = [rank_between(None, None)]
    chance = random.Random(7)
    for _ in range(2000):
        at = chance.randint(0, len(keys))
        before = keys[at - 1] if at else None
        after = keys[at] if at < len(keys) else None
        key = rank_between(before, after)
        assert (before is None or before < key) and (after is None or key < after)
        keys.insert(at, key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_repeated_inserts_at_one_spot_grow_keys_slowly():
    low, high = "A", "B"
    for _ in range(100):
        high = rank_between(low, high)
    assert low < high < "B" and len(high) <= 30


@pytest.mark.parametrize(("before", "after"), [("B", "A"), ("A", "A"), ("A0", None), ("a-", None)])
def test_misordered_or_malformed_neighbours_are_refused(before, after):
    with pytest.raises(ValueError):
        rank_between(before, after)


def test_a_rebalance_hands_out_short_ordered_keys():
    keys = rebalanced(5000)
    assert keys == sorted(keys) and len(set(keys)) == 5000
    assert max(map(len, keys)) <= 3
