"""The model of `DeepVsTraditional`: settings, fitted results and what they say.

Nothing here refers to a widget. `refit()` fits the models whose settings changed (a
feature toggle refits model (b) only) and bumps `version`; then it fits the digits models
once and bumps `digits_version`. `note` and `digits_note` say what the results show,
written from the numbers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import traitlets as t

from ..core.checks import check_choice, check_float, check_int, check_names
from ..core.comparison import (
    MODELS,
    PIXEL_MODELS,
    PLANE_NETWORK,
    PLANE_SETS,
    decision_surface,
    fit_model,
    plane_split,
)
from ..core.data import MAX_NOISE, Split
from ..core.features import HAND_CRAFTED, RAW_FEATURES
from ..core.plane import plane_extent
from ..core.scaling import DIGITS_POOL, DIGITS_TEST_SIZE, fit_points
from ..ui.theme import DATASET_LABELS
from .compare_text import digits_note, letters, plane_note, retrained_note

STATUSES = ("waiting", "training", "ready", "error")
MAX_SEED = 2**32 - 1


def check_hand_crafted(features: Any) -> tuple[str, ...]:
    """The hand-crafted features given to model (b), in HAND_CRAFTED's order; may be empty
    ((b) then sees x1 and x2 only, like (a))."""
    check_names(
        "features",
        features,
        HAND_CRAFTED,
        "a hand-crafted feature",
        "names of hand-crafted features",
        " (x1 and x2 are always given to (b))",
    )
    return tuple(name for name in HAND_CRAFTED if name in features)


# Each setting's check: the value to keep, or a ValueError/TypeError naming the setting,
# the value given and what is allowed.
CHECKS: dict[str, Callable[[Any], Any]] = {
    "dataset": lambda value: check_choice("dataset", value, PLANE_SETS),
    "features": lambda value: list(check_hand_crafted(value)),
    "noise": lambda value: check_float("noise", value, 0.0, MAX_NOISE),
    "seed": lambda value: check_int("seed", value, 0, MAX_SEED),
}


class ComparisonModel(t.HasTraits):
    """Settings and results of `DeepVsTraditional`. The view calls `refit` off the
    callback thread and observes `version`, `digits_version`, `status` and `message`."""

    dataset = t.Unicode("xor")
    features = t.List(t.Unicode(), default_value=list(HAND_CRAFTED))  # given to (b)
    noise = t.Float(0.0)
    seed = t.Int(0)
    status = t.Enum(STATUSES, default_value="waiting")
    message = t.Unicode("")
    note = t.Unicode("")  # what the four pictures show, `**bold**` marked
    digits_note = t.Unicode("")
    version = t.Int(0)
    digits_version = t.Int(0)

    SETTINGS = tuple(CHECKS)

    def __init__(
        self,
        dataset: str = "xor",
        features: Sequence[str] = HAND_CRAFTED,
        noise: float = 0.0,
        seed: int = 0,
    ) -> None:
        given = dict(dataset=dataset, features=features, noise=noise, seed=seed)
        super().__init__(**{name: CHECKS[name](value) for name, value in given.items()})
        self.lock = threading.Lock()  # held to publish results and to read them together
        self.data: Split | None = None
        self.results: dict[str, Any] = {}
        self.surfaces: dict[str, np.ndarray] = {}  # top row first, as plane_grid
        self.extent = plane_extent(None)
        self.retrained: tuple[str, ...] = ()  # the models the last refit changed
        self.previous_scores: dict[str, float] = {}  # test scores before the last refit
        self.digits_results: dict[str, Any] = {}
        self._keys: dict[str, tuple] = {}  # the settings each result was fitted with
        self._data_key: tuple | None = None
        self._digits_seed: int | None = None

    @t.validate(*CHECKS)
    def _check_setting(self, proposal):
        """Raise, nothing more."""
        try:
            return CHECKS[proposal.trait.name](proposal.value)
        except (ValueError, TypeError) as error:
            raise t.TraitError(str(error)) from None

    # -- fitting --------------------------------------------------------------------------------
    def inputs_of(self, name: str, features: Sequence[str] | None = None) -> list[str] | None:
        """What model `name` is given: x1, x2 and the chosen features for (b), None (the
        raw inputs) for the others."""
        if name != "logistic_features":
            return None
        return [*RAW_FEATURES, *(self.features if features is None else features)]

    def _settings(self) -> tuple:
        return (self.dataset, tuple(self.features), self.noise, self.seed)

    @staticmethod
    def _key(name: str, settings: tuple) -> tuple:
        dataset, features, noise, seed = settings
        return (dataset, noise, seed, features if name == "logistic_features" else None)

    @property
    def stale(self) -> bool:
        """True while some result does not match the settings."""
        settings = self._settings()
        outdated = any(self._keys.get(n) != self._key(n, settings) for n in MODELS)
        return outdated or self._digits_seed != self.seed

    def refit(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Fit what the settings need and publish it. Returns early, publishing nothing,
        when a setting changes meanwhile (the caller asks for another refit) or when
        `should_stop()` turns True."""
        try:
            if self.refit_plane(should_stop) and not should_stop():
                self.refit_digits(should_stop)
        except (ValueError, TypeError) as error:
            self.status, self.message = "error", str(error)

    def refit_plane(self, should_stop: Callable[[], bool] = lambda: False) -> bool:
        """The four models on the 2-D set; True when the results match the settings."""
        settings = self._settings()
        dataset, features, noise, seed = settings
        todo = [name for name in MODELS if self._keys.get(name) != self._key(name, settings)]
        if not todo:
            return True
        which = "the four models" if len(todo) == len(MODELS) else letters(todo)
        self.status = "training"
        self.message = f"Training {which} on {DATASET_LABELS[dataset]}…"
        started = time.perf_counter()
        data = self.data
        if self._data_key != (dataset, noise, seed):
            data = plane_split(dataset, noise, seed)
        extent = plane_extent(data.dataset)
        fitted, surfaces = {}, {}
        for name in todo:
            fitted[name] = fit_model(
                name, data, self.inputs_of(name, features), seed, PLANE_NETWORK
            )
            surfaces[name] = decision_surface(fitted[name], extent)
            if self._settings() != settings or should_stop():
                return False
        with self.lock:
            self.previous_scores = {name: r.test_score for name, r in self.results.items()}
            new_data = self.data is not None and data is not self.data
            self.data, self._data_key, self.extent = data, (dataset, noise, seed), extent
            self.results.update(fitted)
            self.surfaces.update(surfaces)
            self._keys.update({name: self._key(name, settings) for name in todo})
            self.retrained = tuple(todo)
        self.note = self._plane_note(new_data)
        self.version += 1
        self.message = f"Trained {which} in {time.perf_counter() - started:.1f} s."
        self.status = "ready"
        return True

    def _plane_note(self, new_data: bool) -> str:
        """What the last refit shows: all four models, or (b) alone."""
        scores = {name: result.test_score for name, result in self.results.items()}
        if self.retrained == ("logistic_features",):
            before = self.previous_scores.get("logistic_features", np.nan)
            return retrained_note(
                self.features, before, scores["logistic_features"], scores["logistic_raw"]
            )
        if len(self.retrained) < len(MODELS):
            return ""
        return plane_note(
            DATASET_LABELS[self.dataset],
            scores,
            self.results["network"].train_score,
            len(self.data.y_train),
            self.features,
            new_data,
        )

    def refit_digits(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        """The pixel models on all 1200 training digits: the last points of ScalingCurves."""
        settings = self._settings()
        seed = self.seed
        if self._digits_seed == seed:
            return
        self.status = "training"
        done = self.message
        self.message = f"Training {letters(PIXEL_MODELS)} on {DIGITS_POOL:,} handwritten digits…"
        results = {}
        for point in fit_points("digits", (DIGITS_POOL,), PIXEL_MODELS, 0.0, seed):
            results[point.model] = point
            if self._settings() != settings or should_stop():
                return  # the 2-D pictures come first; the digits wait for the next refit
        with self.lock:
            self.digits_results = results
            self._digits_seed = seed
        scores = {name: point.test_score for name, point in results.items()}
        self.digits_note = digits_note(scores, DIGITS_POOL, DIGITS_TEST_SIZE)
        self.digits_version += 1
        self.message = done
        self.status = "ready"
