"""The descent maths of lesson 1 (`dllab.core.descent`), tested without any widget."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from dllab.core.descent import (
    CLICK_STEP,
    DESCENT_WINDOW,
    VERDICTS,
    DescentRun,
    click_grid,
    descent_gradient,
    descent_loss,
    descent_minimum,
    descent_path,
    descent_surface,
)


def test_descent_path_matches_steps_computed_by_hand():
    # Start (2, -1.5). Errors w·x - y on the four examples (2,2)->2, (3,3)->3, (3,2)->3,
    # (3,0)->1: -1, -1.5, 0, 5. Loss = ½ (1 + 2.25 + 0 + 25) / 4 = 3.53125.
    # Gradient = Xᵀ errors / 4 = ((-2 - 4.5 + 0 + 15) / 4, (-2 - 4.5 + 0 + 0) / 4)
    #          = (2.125, -1.625); with rate 0.1: w = (1.7875, -1.3375).
    run = descent_path(0.1, 2, start=(2.0, -1.5))
    assert run.losses[0] == pytest.approx(3.53125)
    np.testing.assert_allclose(run.points[1], [1.7875, -1.3375])
    # Second step: errors (2*1.7875 + 2*-1.3375 - 2, ...) = (-1.1, -1.65, -0.3125, 4.3625).
    errors = np.array([-1.1, -1.65, -0.3125, 4.3625])
    gradient = np.array(
        [
            (2 * errors[0] + 3 * errors[1] + 3 * errors[2] + 3 * errors[3]) / 4,
            (2 * errors[0] + 3 * errors[1] + 2 * errors[2] + 0 * errors[3]) / 4,
        ]
    )
    np.testing.assert_allclose(run.points[2], run.points[1] - 0.1 * gradient)
    np.testing.assert_allclose(run.losses[1], 0.5 * np.mean(errors**2))
    assert run.points.shape == (3, 2) and not run.diverged


def test_the_surface_is_a_narrow_valley_and_its_floor_is_the_least_squares_fit():
    best, lowest = descent_minimum()
    assert lowest == pytest.approx(float(descent_loss(*best)))
    assert descent_loss(best[0] + 0.01, best[1]) > lowest
    X = np.array([[2, 2], [3, 3], [3, 2], [3, 0]], dtype=float)
    curvatures = np.linalg.eigvalsh(X.T @ X / 4)
    assert curvatures[1] / curvatures[0] > 10  # elongated: a rate for one axis is wrong for other


def test_the_gradient_matches_central_differences():
    weights, eps = np.array([0.7, -0.4]), 1e-6
    numeric = [
        (descent_loss(*(weights + eps * e)) - descent_loss(*(weights - eps * e))) / (2 * eps)
        for e in np.eye(2)
    ]
    np.testing.assert_allclose(descent_gradient(weights), numeric, rtol=1e-6)


def test_the_surface_covers_the_window_bottom_row_first():
    w1, w2, loss = descent_surface(resolution=11)
    (w1_low, w1_high), (w2_low, w2_high) = DESCENT_WINDOW
    assert loss.shape == (11, 11)
    assert (w1[0], w1[-1], w2[0], w2[-1]) == (w1_low, w1_high, w2_low, w2_high)
    assert loss[0, -1] == pytest.approx(float(descent_loss(w1_high, w2_low)))  # row 0: w2 low
    with pytest.raises(ValueError, match="resolution=1 is not allowed"):
        descent_surface(resolution=1)


def test_the_click_grid_spans_the_window_at_its_step():
    grid = click_grid()
    (w1_low, w1_high), (w2_low, w2_high) = DESCENT_WINDOW
    n = round((w1_high - w1_low) / CLICK_STEP) + 1
    assert grid.shape == (n * n, 2)
    np.testing.assert_allclose(grid[n + 2], [w1_low + 2 * CLICK_STEP, w2_low + CLICK_STEP])
    with pytest.raises(ValueError, match="step=0.0 is not allowed"):
        click_grid(0.0)


@pytest.mark.parametrize(
    "rate, verdict, zigzags",
    [(0.001, "on its way", False), (0.1, "converged", False), (0.2, "diverged", True)],
)
def test_each_run_gets_one_verdict(rate, verdict, zigzags):
    run = descent_path(rate, 30)
    assert run.verdict == verdict and run.verdict in VERDICTS
    assert run.zigzags is zigzags
    assert run.steps_done == len(run.points) - 1


def test_a_run_that_reached_the_floor_has_nothing_left():
    best, lowest = descent_minimum()
    run = DescentRun(np.array([[2.0, -1.5], best]), np.array([3.5, lowest]), 0.1, 1)
    assert run.share_left == pytest.approx(0.0, abs=1e-12) and run.verdict == "converged"


def test_the_descent_maths_imports_no_widget():
    code = (
        "import sys, dllab.core.descent; "
        "print(sorted(m for m in ('ipywidgets', 'traitlets', 'bqplot') if m in sys.modules))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert shown.stdout.strip() == "[]", shown.stderr
