"""What lesson 04 says about its results, written from the numbers the page shows.

Plain text in which `**bold**` marks what the page shows in bold. Nothing here fits a
model or refers to a widget: give it scores, get sentences. A sentence that compares two
models says what the numbers say (which one is ahead, by how many points), so it holds
for every data set and seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..core.comparison import MODEL_LABELS
from ..core.scaling import ScalingCurve

# Short enough for the title of a 275-pixel figure.
MODEL_TITLES = {
    "logistic_raw": "(a) Logistic, raw",
    "logistic_features": "(b) Logistic + features",
    "random_forest": "(c) Random forest",
    "network": "(d) Deep network",
}
# Two scores closer than this, in percentage points as the page rounds them, are "about
# the same" (one test point of 250 is 0.4 points).
TIE = 2
NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}


def percent(score: float, decimals: int = 0) -> str:
    """0.896 -> '90%' (or '89.6%'); '–' for a score not there yet."""
    return "–" if not np.isfinite(score) else f"{score:.{decimals}%}"


def gap(a: float, b: float, decimals: int = 0) -> float:
    """a - b in percentage points, each rounded as `percent` shows it."""
    return round(round(a * 100, decimals) - round(b * 100, decimals), decimals)


def points(value: float, decimals: int = 0) -> str:
    """'9 points', '1 point', '0.3 points'."""
    text = f"{abs(value):.{decimals}f}"
    return f"{text} point" if text == "1" else f"{text} points"


def letter(name: str) -> str:
    """'(a)' for logistic_raw."""
    return MODEL_TITLES[name].split()[0]


def letters(names: Sequence[str]) -> str:
    """'(a), (c) and (d)'."""
    found = [letter(name) for name in names]
    return found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]


def short_label(name: str) -> str:
    """'logistic regression', 'random forest', 'deep network'."""
    return MODEL_LABELS[name].split(" (")[0].lower()


# --- the four pictures ---------------------------------------------------------------------


def plane_note(
    label: str,
    scores: Mapping[str, float],
    network_train_score: float,
    n_train: int,
    features: Sequence[str],
    new_data: bool = False,
) -> str:
    """What the four pictures show once all four models are trained on `label`.

    scores : test accuracy of each of MODELS.
    """
    a, b = scores["logistic_raw"], scores["logistic_features"]
    forest, network = scores["random_forest"], scores["network"]
    start = "New data: all four" if new_data else "All four"
    sentences = [f"{start} models trained on {label}."]
    if round(a * 100) >= 95:
        sentences.append(
            f"**(a)** draws one straight line and scores **{percent(a)}**: "
            f"a straight line is enough for {label}."
        )
    else:
        sentences.append(
            f"**(a)** draws one straight line and scores **{percent(a)}** "
            "(50% is guessing): a straight line is not enough here."
        )
    sentences.append(_features_sentence(features, a, b))
    ahead = gap(forest, network)
    if ahead == 0:
        sentences.append(
            f"**(c)** the forest and **(d)** the network both score **{percent(forest)}** "
            "from the raw x1, x2."
        )
    elif abs(ahead) < TIE:
        sentences.append(
            f"**(c)** the forest scores **{percent(forest)}** and **(d)** the network "
            f"**{percent(network)}**: from the raw x1, x2, they are within {TIE} points "
            "of each other."
        )
    elif ahead > 0:
        sentences.append(
            f"**(c)** the forest scores **{percent(forest)}**, {points(ahead)} above "
            f"**(d)** the network's **{percent(network)}**."
        )
        if gap(network_train_score, network) >= 5:
            sentences.append(
                f"The network fits the {n_train} points it trained on "
                f"({percent(network_train_score)}) better than the test points it never "
                f"saw ({percent(network)})."
            )
        sentences.append("Why the forest does so well on two inputs: see below the pictures.")
    else:
        sentences.append(
            f"**(d)** the network scores **{percent(network)}**, {points(-ahead)} above "
            f"**(c)** the forest's **{percent(forest)}**."
        )
    sentences.append("Now toggle the features: which ones does (b) need here?")
    return " ".join(sentences)


def _features_sentence(features: Sequence[str], a: float, b: float) -> str:
    if not features:
        return "**(b)** has no hand-crafted feature switched on: it is the same model as (a)."
    given = f"**(b)**, given {', '.join(features)}, scores **{percent(b)}**"
    lift = gap(b, a)
    if lift >= TIE:
        return f"{given}: the features lift it {points(lift)} above (a)."
    if lift == 0:
        return f"{given}, the same as (a): these features add nothing here."
    if lift > -TIE:
        return f"{given}, within {TIE} points of (a): these features add nothing here."
    return f"{given}, {points(-lift)} below (a): features that do not fit the data can hurt."


def retrained_note(features: Sequence[str], before: float, after: float, raw: float) -> str:
    """What changed when only (b) was retrained: its score `before` and `after`, and
    (a)'s score `raw` (the same model without any feature)."""
    shown = ", ".join(features) or "no extra feature"
    text = (
        f"Only **(b)** was retrained, now with {shown}: its test accuracy went from "
        f"**{percent(before)}** to **{percent(after)}**. (a), (c) and (d) never see the "
        "hand-crafted features, so they did not change."
    )
    if not features:
        return (
            f"{text} Without any feature, (b) is the same model as (a): (b) scores "
            f"{percent(after)}, (a) {percent(raw)}."
        )
    lift = gap(after, raw)
    if abs(lift) < TIE:
        return f"{text} That is (a)'s score within {TIE} points ({percent(raw)}), with no feature."
    side = "above" if lift > 0 else "below"
    return f"{text} That is {points(lift)} {side} (a), which has no feature ({percent(raw)})."


def digits_note(scores: Mapping[str, float], n_train: int, n_test: int) -> str:
    """The pixel models on the digits, best first: how far apart they are."""
    ranked = sorted(scores, key=lambda name: -scores[name])
    listed = ", ".join(f"{short_label(n)} **{percent(scores[n], 1)}**" for n in ranked)
    text = f"Trained on {n_train:,} images and tested on {n_test} others: {listed}."
    best, worst = ranked[0], ranked[-1]
    spread = gap(scores[best], scores[worst], 1)
    if spread < 3 and scores[worst] >= 0.9:
        count = NUMBER_WORDS.get(len(ranked), len(ranked))
        return (
            f"{text} All {count} are within {points(spread, 1)} of each other: these "
            "8×8 digits are small and clean, and even straight lines through their 64 "
            "pixels separate them well."
        )
    return f"{text} The {short_label(best)} is {points(spread, 1)} ahead of the " + (
        f"{short_label(worst)}."
    )


# --- the scaling curves ----------------------------------------------------------------------


def _complete(curve: ScalingCurve) -> list[str]:
    """The models whose every point is in, or [] until all are."""
    names = [name for name in curve.models if np.isfinite(curve.test_scores[name]).all()]
    return names if len(names) == len(curve.models) and len(curve.sizes) >= 2 else []


def scaling_summary(curve: ScalingCurve) -> list[str]:
    """What the curves show, as lines of numbers; empty until every point is in."""
    names = _complete(curve)
    if not names:
        return []
    unit = "images" if curve.dataset == "digits" else "points"
    first, last = f"{int(curve.sizes[0]):,}", f"{int(curve.sizes[-1]):,}"
    scores, seconds = curve.test_scores, curve.fit_seconds

    def each(values: Mapping[str, str]) -> str:
        return " · ".join(f"{short_label(name)} {values[name]}" for name in names)

    return [
        f"Trained on {first} {unit}: {each({n: percent(scores[n][0], 1) for n in names})}",
        f"Trained on {last} {unit}: {each({n: percent(scores[n][-1], 1) for n in names})}",
        f"CPU time to train on {last} {unit}: "
        + each({n: f"{seconds[n][-1]:.2f} s" for n in names}),
    ]


def scaling_verdict(curve: ScalingCurve) -> list[str]:
    """Who gains most from more data, who ends highest, who costs most; empty until
    every point is in."""
    names = _complete(curve)
    if len(names) < 2:
        return []
    unit = "images" if curve.dataset == "digits" else "points"
    first, last = f"{int(curve.sizes[0]):,}", f"{int(curve.sizes[-1]):,}"
    scores = curve.test_scores
    gains = {n: gap(scores[n][-1], scores[n][0], 1) for n in names}
    by_gain = sorted(names, key=lambda n: -gains[n])
    top, bottom = by_gain[0], by_gain[-1]
    gained = f"From {first} to {last} {unit}, the {short_label(top)} gains most: " + (
        f"{percent(scores[top][0], 1)} → {percent(scores[top][-1], 1)} (+{points(gains[top], 1)})."
    )
    if gains[bottom] < TIE:
        gained += (
            f" The {short_label(bottom)} barely moves ({gains[bottom]:+.1f} points): more "
            "data does not help a model that cannot draw the boundary."
        )
    else:
        gained += f" The {short_label(bottom)} gains least (+{points(gains[bottom], 1)})."
    by_score = sorted(names, key=lambda n: -scores[n][-1])
    best, second = by_score[0], by_score[1]
    lead = gap(scores[best][-1], scores[second][-1], 1)
    ended = (
        f"On {last} {unit} the {short_label(best)} is highest ({percent(scores[best][-1], 1)}), "
    )
    if lead < 1:
        ended += f"within a point of the {short_label(second)}: about a tie."
    else:
        ended += f"{points(lead, 1)} above the {short_label(second)}."
    seconds = {n: curve.fit_seconds[n][-1] for n in names}
    costliest = max(names, key=lambda n: seconds[n])
    cheapest = min(names, key=lambda n: seconds[n])
    cost = (
        f"The {short_label(costliest)} costs the most computation on {last} {unit}: "
        f"{seconds[costliest] / seconds[cheapest]:.0f}× the {short_label(cheapest)}'s."
    )
    return [gained, ended, cost]
