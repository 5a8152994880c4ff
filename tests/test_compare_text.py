"""What lesson 04 says, from made-up results: every sentence that compares two models says
what the numbers say (dllab.lessons.compare_text; no widget, no fitting)."""

from __future__ import annotations

import numpy as np
import pytest

from dllab.core.scaling import ScalingCurve
from dllab.lessons.compare_text import (
    digits_note,
    letters,
    plane_note,
    retrained_note,
    scaling_summary,
    scaling_verdict,
)

ALL = ("x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")


def scores(a, b, forest, network):
    return dict(logistic_raw=a, logistic_features=b, random_forest=forest, network=network)


def test_forest_ahead_of_an_overfitting_network_is_said_with_both_numbers():
    note = plane_note("Spiral", scores(0.624, 0.516, 0.988, 0.896), 0.992, 250, ALL)
    assert "**(c)** the forest scores **99%**, 9 points above **(d)** the network's **90%**" in (
        note
    )
    assert "fits the 250 points it trained on (99%) better than the test points" in note
    assert "Why the forest does so well on two inputs" in note
    assert "scores **52%**, 10 points below (a)" in note  # features that do not fit
    assert "a straight line is not enough here" in note


def test_network_ahead_tie_and_a_straight_line_that_is_enough():
    note = plane_note("Circle", scores(0.448, 1.0, 0.90, 0.97), 0.98, 250, ALL, new_data=True)
    assert note.startswith("New data: all four models trained on Circle.")
    assert "**(d)** the network scores **97%**, 7 points above **(c)** the forest's **90%**" in (
        note
    )
    assert "lift it 55 points above (a)" in note
    assert "trained on" not in note.split("Circle.", 1)[1]  # no gap sentence: it is behind
    note = plane_note("Two Gaussians", scores(1.0, 1.0, 0.996, 1.0), 1.0, 250, ALL)
    assert "a straight line is enough for Two Gaussians" in note
    assert "the same as (a): these features add nothing here" in note
    assert "both score **100%**" in note
    note = plane_note("Circle", scores(0.45, 0.45, 0.988, 1.0), 1.0, 250, ())
    assert "no hand-crafted feature switched on: it is the same model as (a)" in note
    assert "forest scores **99%** and **(d)** the network **100%**" in note
    assert "within 2 points of each other" in note


@pytest.mark.parametrize(
    "after, raw, words",
    [
        (0.688, 0.64, "That is 5 points above (a), which has no feature (64%)."),
        (0.52, 0.62, "That is 10 points below (a), which has no feature (62%)."),
        (0.645, 0.64, "That is (a)'s score within 2 points (64%), with no feature."),
    ],
)
def test_retrained_note_compares_b_with_a(after, raw, words):
    note = retrained_note(("x1^2", "x2^2"), 0.992, after, raw)
    assert note.startswith("Only **(b)** was retrained, now with x1^2, x2^2:")
    assert "went from **99%**" in note and note.endswith(words)
    assert "guessing" not in note


def test_retrained_without_any_feature_says_b_is_a():
    note = retrained_note((), 0.7, 0.64, 0.64)
    assert "now with no extra feature" in note and note.endswith("(b) scores 64%, (a) 64%.")


def test_digits_note_ranks_and_says_how_far_apart():
    close = dict(logistic_raw=0.96, random_forest=0.975, network=0.978)
    note = digits_note(close, 1200, 597)
    assert note.startswith("Trained on 1,200 images and tested on 597 others: deep network")
    assert note.index("97.8%") < note.index("97.5%") < note.index("96.0%")
    assert "All three are within 1.8 points of each other" in note
    apart = dict(logistic_raw=0.85, random_forest=0.9, network=0.95)
    assert digits_note(apart, 1200, 597).endswith(
        "The deep network is 10.0 points ahead of the logistic regression."
    )


def curve(dataset, sizes, **columns) -> ScalingCurve:
    """A made-up curve: columns are model -> (test scores, seconds)."""
    test = {name: np.array(values[0], dtype=float) for name, values in columns.items()}
    seconds = {name: np.array(values[1], dtype=float) for name, values in columns.items()}
    return ScalingCurve(dataset, np.array(sizes), tuple(columns), test, test, seconds, 500)


def test_scaling_verdict_says_who_gains_most_who_ends_highest_and_who_costs_most():
    digits = curve(
        "digits",
        [50, 1200],
        logistic_raw=([0.849, 0.96], [0.03, 0.03]),
        random_forest=([0.831, 0.975], [0.2, 0.36]),
        network=([0.863, 0.978], [0.08, 0.6]),
    )
    gained, ended, cost = scaling_verdict(digits)
    assert gained.startswith("From 50 to 1,200 images, the random forest gains most: 83.1% → 97.5%")
    assert "(+14.4 points)" in gained and "logistic regression gains least (+11.1" in gained
    assert ended == (
        "On 1,200 images the deep network is highest (97.8%), within a point of the random "
        "forest: about a tie."
    )
    assert cost == (
        "The deep network costs the most computation on 1,200 images: "
        "20× the logistic regression's."
    )
    assert scaling_summary(digits)[0].startswith("Trained on 50 images: logistic regression 84.9%")


def test_scaling_verdict_says_when_more_data_does_not_help():
    spiral = curve(
        "spiral",
        [25, 1600],
        logistic_raw=([0.59, 0.594], [0.005, 0.007]),
        random_forest=([0.662, 0.986], [0.17, 0.35]),
        network=([0.62, 0.992], [0.15, 1.7]),
    )
    gained, ended, _ = scaling_verdict(spiral)
    assert "the deep network gains most" in gained
    assert "The logistic regression barely moves (+0.4 points)" in gained
    assert "more data does not help a model that cannot draw the boundary" in gained
    assert "1,600 points the deep network is highest (99.2%), within a point" in ended
    far = curve("spiral", [25, 50], logistic_raw=([0.5, 0.6], [1, 1]), network=([0.5, 0.9], [1, 2]))
    assert "30.0 points above the logistic regression" in scaling_verdict(far)[1]


def test_nothing_is_said_before_every_point_is_in():
    partial = curve("digits", [50, 100], network=([0.8, np.nan], [0.1, np.nan]))
    assert scaling_verdict(partial) == [] and scaling_summary(partial) == []


def test_letters():
    assert letters(["logistic_raw", "random_forest", "network"]) == "(a), (c) and (d)"
    assert letters(["logistic_features"]) == "(b)"
