"""Weight-space blends of a fine-tune with its base, and the pick among validated blends."""

from __future__ import annotations

import numpy as np
import pytest

from labeler.train.weight_blend import BlendTrial, blend_states, pick_blend


def test_blend_moves_changed_float_tensors_only():
    base = {"w": np.array([1.0, 2.0], np.float32), "same": np.ones(3, np.float32), "shape": np.array([4, 8])}
    tuned = {"w": np.array([3.0, 0.0], np.float32), "same": np.ones(3, np.float32), "shape": np.array([4, 9])}
    half = blend_states(base, tuned, 0.5)
    np.testing.assert_array_equal(half["w"], [2.0, 1.0])
    assert half["w"].dtype == np.float32
    np.testing.assert_array_equal(half["shape"], [4, 9])  # integers are not blended: the tuned value stays
    np.testing.assert_array_equal(half["same"], base["same"])
    assert np.array_equal(blend_states(base, tuned, 0.0)["w"], base["w"])
    assert np.array_equal(blend_states(base, tuned, 1.0)["w"], tuned["w"])
    assert half["w"] is not tuned["w"] and blend_states(base, tuned, 1.0)["same"] is not tuned["same"]


def test_blend_refuses_bad_input():
    with pytest.raises(ValueError, match="outside"):
        blend_states({}, {}, 1.5)
    with pytest.raises(ValueError, match="no base counterpart"):
        blend_states({}, {"w": np.zeros(1, np.float32)}, 0.5)


def test_pick_takes_the_smallest_alpha_within_the_tolerance_of_the_best():
    trials = [
        BlendTrial(1.0, 0.90, 0.1),
        BlendTrial(0.25, 0.85, 0.2),
        BlendTrial(0.5, 0.897, 0.15),
        BlendTrial(0.75, 0.91, 0.12),
    ]
    assert pick_blend(trials, 0.0, 300).alpha == 0.75
    assert pick_blend(trials, 0.015, 300).alpha == 0.5
    assert pick_blend(trials, 0.1, 300).alpha == 0.25
    with pytest.raises(ValueError):
        pick_blend([], 0.01, 300)


def test_default_tolerance_is_one_standard_error_of_the_best_accuracy():
    # 0.91 on 300 crops: standard error 0.0165, so 0.90 (3 crops fewer) ties and 0.89 does not.
    trials = [BlendTrial(1.0, 0.91, 0.1), BlendTrial(0.5, 0.90, 0.1), BlendTrial(0.25, 0.89, 0.1)]
    assert pick_blend(trials, None, 300).alpha == 0.5
    assert pick_blend(trials, None, 30).alpha == 0.25  # fewer crops, wider error: the blend nearest the base
