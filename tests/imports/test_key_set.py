"""KeySet answers exactly as a Python set does, across merges into its sorted array."""

from __future__ import annotations

import random

import numpy as np
import pytest

from coxswain.imports.writers import key_set
from coxswain.imports.writers.key_set import KeySet


def test_key_set_behaves_like_a_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(key_set, "MERGE_AT", 7)  # many merges
    rng = random.Random(11)
    universe = [hash(("native", f"O{i:07d}")) for i in range(300)] + [-(2**63), 2**63 - 1, 0]
    keys, reference = KeySet(), set()
    for step in range(4000):
        value = rng.choice(universe)
        action = rng.random()
        if action < 0.4:
            keys.add(value)
            reference.add(value)
        elif action < 0.55:
            keys.discard(value)
            reference.discard(value)
        elif action < 0.6:
            taken = rng.sample(universe, 5)
            keys.difference_update(taken)
            reference.difference_update(taken)
        elif action < 0.7:
            block = np.array(rng.sample(universe, 20), dtype=np.int64)
            new = block[~np.array([v in reference for v in block.tolist()])]
            keys.add_many(new)
            reference.update(new.tolist())
        else:
            block = np.array([rng.choice(universe) for _ in range(15)], dtype=np.int64)
            expected = [v in reference for v in block.tolist()]
            assert keys.seen_many(block).tolist() == expected, step
        assert (value in keys) == (value in reference), step
        assert len(keys) == len(reference), step
    assert "not an int" not in keys
    assert all(v in keys for v in reference)
