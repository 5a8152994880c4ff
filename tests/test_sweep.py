"""The vectorised sweep trains every network exactly as dllab's Trainer trains it alone."""

from __future__ import annotations

import numpy as np
import pytest

from dllab.core import Network, Trainer, make_dataset, split
from dllab.core.plane import output_score, plane_grid
from dllab.core.sweep import TIE_MARGIN, SweepResult, _Group, batch_orders, sweep

DEPTHS, WIDTHS = (1, 2, 3), (2, 5, 8)


@pytest.fixture(scope="module")
def spiral():
    return split(make_dataset("spiral", noise=0.1, seed=0), 0.5, seed=0)


@pytest.fixture(scope="module")
def plane():
    return split(make_dataset("plane", n_samples=200, seed=0), 0.5, seed=0)


def train_alone(data, depth, width, epochs, features=None, **settings) -> Trainer:
    """One network trained with Trainer, the way the sweep promises to match."""
    network_settings = {k: settings.pop(k) for k in ("activation", "head") if k in settings}
    n_inputs = 2 if features is None else len(features)
    n_outputs = 2 if network_settings.get("head") == "softmax" else 1
    network = Network([n_inputs, *[width] * depth, n_outputs], seed=3, **network_settings)
    trainer = Trainer(network, data, features=features, seed=3, **settings)
    trainer.train(epochs)
    return trainer


# -- same numbers as training one by one ---------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        dict(activation="tanh", optimizer="sgd"),
        dict(activation="sigmoid", optimizer="adam", learning_rate=0.01),  # f(0) != 0: masks
        dict(activation="relu", optimizer="momentum", batch_size=7),  # a partial last batch
        dict(activation="tanh", head="softmax", features=["x1", "x2", "x1*x2"]),
    ],
    ids=["tanh-sgd", "sigmoid-adam", "relu-momentum", "softmax-features"],
)
def test_sweep_matches_training_each_network_alone(spiral, settings):
    epochs = 20
    result = sweep(spiral, DEPTHS, WIDTHS, epochs=epochs, seed=3, **settings)
    assert result.done.all() and not result.cancelled and not result.diverged.any()
    for row, depth in enumerate(DEPTHS):
        for column, width in enumerate(WIDTHS):
            alone = train_alone(spiral, depth, width, epochs, **dict(settings))
            history = alone.history
            np.testing.assert_allclose(
                result.train_history[row, column, 1:], history["train_loss"], rtol=1e-9
            )
            np.testing.assert_allclose(
                result.test_history[row, column, 1:], history["test_loss"], rtol=1e-9
            )
            assert result.test_accuracy[row, column] == history["test_accuracy"][-1]
            np.testing.assert_allclose(
                result.network(depth, width).params, alone.network.params, rtol=1e-9, atol=1e-12
            )


def test_epoch_zero_is_the_initial_network(spiral):
    result = sweep(spiral, [2], [3], epochs=1, seed=3)
    trainer = Trainer(Network([2, 3, 3, 1], seed=3), spiral, seed=3)
    initial = trainer.evaluate()
    assert result.train_history[0, 0, 0] == pytest.approx(initial["train_loss"], rel=1e-12)
    assert result.test_history[0, 0, 0] == pytest.approx(initial["test_loss"], rel=1e-12)


def test_batches_are_the_trainers(spiral):
    trainer = Trainer(Network([2, 1]), spiral, seed=5)
    orders = batch_orders(len(spiral.X_train), 3, seed=5)
    for order in orders:
        np.testing.assert_array_equal(order, trainer.rng.permutation(len(spiral.X_train)))


def test_diverging_networks_are_marked_and_the_others_unharmed(plane):
    """A learning rate that makes some networks blow up: the same ones as with Trainer, while
    the others' losses still match training alone."""
    settings = dict(activation="relu", learning_rate=0.5)
    result = sweep(plane, DEPTHS, WIDTHS, epochs=10, seed=3, **settings)
    assert result.diverged.any() and not result.diverged.all()
    for row, depth in enumerate(DEPTHS):
        for column, width in enumerate(WIDTHS):
            alone = train_alone(plane, depth, width, 10, head="linear", **settings)
            assert result.diverged[row, column] == alone.diverged
            if alone.diverged:
                assert np.isnan(result.test_loss[row, column])
                assert np.isnan(result.test_history[row, column, -1])
            else:
                np.testing.assert_allclose(
                    result.test_history[row, column, 1:], alone.history["test_loss"], rtol=1e-9
                )
    assert result.done.all()


# -- padding -------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_padded_units_stay_exactly_zero(spiral, activation):
    """Widths 2 and 6 in one group: the narrow network's extra 4 units in every layer have
    zero weights, zero activations and zero gradients after training."""
    networks = [Network([2, w, w, w, 1], activation=activation, seed=0) for w in (2, 6)]
    reference = Trainer(networks[0], spiral, seed=0)
    group = _Group(networks, reference, "adam")
    for start in range(0, 200, 10):
        group.step(reference.X_train[start : start + 10], reference.T_train[start : start + 10])
    padded = group.mask == 0
    assert padded.sum() > 0
    assert not group.params[padded].any()
    assert not group.grads[padded].any()
    _, activations = group.forward(reference.X_test)
    for layer in activations[:-1]:
        assert not layer[0, :, 2:].any()  # network 0, units 2..5 are padding
        assert layer[1, :, 2:].any()  # network 1 uses all six


def test_a_network_does_not_depend_on_its_group(spiral):
    """Trained beside a much wider network, or alone, a narrow one gives the same numbers."""
    alone = sweep(spiral, [3], [2], epochs=15)
    grouped = sweep(spiral, [3], [2, 16], epochs=15)
    np.testing.assert_allclose(alone.test_history[0, 0], grouped.test_history[0, 0], rtol=1e-12)


# -- live results and cancelling ---------------------------------------------------------------


def test_callback_reports_each_network_as_it_finishes(spiral):
    seen = []

    def callback(depth, width, result):
        assert isinstance(result, SweepResult)
        row, column = result.cell(depth, width)
        assert result.done[row, column] and np.isfinite(result.test_loss[row, column])
        seen.append((depth, width, result.n_done))

    sweep(spiral, [1, 2], [2, 4], epochs=2, callback=callback)
    assert [(d, w) for d, w, _ in seen] == [(1, 2), (1, 4), (2, 2), (2, 4)]
    assert [n for *_, n in seen] == [2, 2, 4, 4]  # a depth's networks finish together


def test_cancelling_returns_the_partial_result(spiral):
    full = sweep(spiral, DEPTHS, WIDTHS, epochs=5)
    finished = []
    partial = sweep(
        spiral,
        DEPTHS,
        WIDTHS,
        epochs=5,
        callback=lambda depth, width, result: finished.append(depth),
        should_stop=lambda: bool(finished),
    )
    assert partial.cancelled and partial.n_done == len(WIDTHS)
    assert partial.done[0].all() and not partial.done[1:].any()
    np.testing.assert_array_equal(partial.test_loss[0], full.test_loss[0])
    assert np.isnan(partial.test_loss[1:]).all() and np.isnan(partial.test_accuracy[1:]).all()
    assert np.isnan(partial.test_history[1:]).all()
    with pytest.raises(ValueError, match="was not trained"):
        partial.network(2, 5)


def test_stopping_at_once_trains_nothing(spiral):
    result = sweep(spiral, DEPTHS, WIDTHS, epochs=50, should_stop=lambda: True)
    assert result.cancelled and result.n_done == 0 and result.best() is None
    assert np.isnan(result.test_loss).all()


def test_result_helpers(spiral):
    result = sweep(spiral, [1, 2], [2, 8], epochs=3)
    history = result.history(2, 8)
    assert list(history) == ["epoch", "train_loss", "test_loss"]
    np.testing.assert_array_equal(history["epoch"], np.arange(4))
    best = result.best()
    assert result.test_loss[result.cell(*best)] == np.nanmin(result.test_loss)
    with pytest.raises(ValueError, match="depth=4, width=8 is not in this sweep"):
        result.history(4, 8)


# -- what each network draws, and the network to recommend ---------------------------------


@pytest.mark.parametrize("features", [None, ["x1", "x2", "x1*x2", "sin x1"]])
def test_each_network_keeps_what_it_draws_over_the_plane(spiral, features):
    """The surface kept for a network is its own output score on the plane's grid, top row
    first, computed with its features."""
    result = sweep(spiral, [1, 3], [2, 6], epochs=3, features=features, surface_resolution=20)
    assert result.surfaces.shape == (2, 2, 20, 20) and result.extent == 6.0
    grid = plane_grid(6.0, 20)
    inputs = (
        grid
        if features is None
        else Trainer(Network([len(features), 1]), spiral, features=features).inputs(grid)
    )
    for depth in (1, 3):
        for width in (2, 6):
            network = result.network(depth, width)
            expected = output_score(network.output(inputs), "tanh").reshape(20, 20)
            np.testing.assert_allclose(result.surface(depth, width), expected, atol=1e-12)
    assert np.ptp(result.surface(3, 6)) > 0  # not a blank picture


def test_surfaces_of_untrained_networks_are_refused(spiral):
    finished = []
    result = sweep(
        spiral,
        [1, 2],
        [2, 3],
        epochs=2,
        callback=lambda *_: finished.append(1),
        should_stop=lambda: bool(finished),
    )
    assert np.isfinite(result.surfaces[0]).all() and np.isnan(result.surfaces[1]).all()
    with pytest.raises(ValueError, match="depth=2, width=3 was not trained"):
        result.surface(2, 3)


def test_data_that_is_not_a_plane_keeps_no_surface():
    digits = split(make_dataset("digits", n_samples=200, seed=0), 0.5, seed=0)
    result = sweep(digits, [1], [4], epochs=1)
    assert result.surfaces.shape == (1, 1, 0, 0)
    with pytest.raises(ValueError, match="kept no surfaces: its data is not 2-D"):
        result.surface(1, 4)


def test_diverged_networks_draw_nothing(plane):
    result = sweep(plane, DEPTHS, WIDTHS, epochs=10, seed=3, activation="relu", learning_rate=0.5)
    assert np.isnan(result.surfaces[result.diverged]).all()
    assert np.isfinite(result.surfaces[~result.diverged]).all()


def made_up_result(test_loss) -> SweepResult:
    """A finished 3 x 3 sweep (depths 1-3, widths 2, 4, 8) with these test losses."""
    result = SweepResult.empty((1, 2, 3), (2, 4, 8), epochs=1)
    result.test_loss[...] = test_loss
    result.done[...] = True
    result.diverged[...] = np.isnan(result.test_loss)
    return result


def test_the_smallest_of_the_networks_that_tie_with_the_best_is_picked():
    result = made_up_result([[0.30, 0.009, 0.004], [0.20, 0.0, 0.002], [0.30, 0.011, np.nan]])
    pick = result.pick()
    assert pick.best == (2, 4) and pick.best_loss == 0.0 and pick.margin == TIE_MARGIN
    # Within 0.01 of 0.0: 1x4 (17 parameters), 1x8 (33), 2x4 (37), 2x8 (105); not 3x4 (0.011).
    assert pick.ties == ((1, 4), (1, 8), (2, 4), (2, 8)) and pick.smallest == (1, 4)
    assert pick.many_tie
    assert [result.n_parameters(*cell) for cell in pick.ties] == [17, 33, 37, 105]
    strict = result.pick(margin=0)
    assert strict.ties == ((2, 4),) and strict.smallest == strict.best and not strict.many_tie
    assert result.pick(margin=0.2).smallest == (2, 2)  # 0.20: 15 parameters


def test_equal_sizes_prefer_fewer_layers():
    result = SweepResult.empty((2, 1), (3, 6), epochs=1, n_inputs=2, n_outputs=1)
    assert result.n_parameters(1, 6) == result.n_parameters(2, 3) == 25
    result.test_loss[...] = [[0.0, 0.5], [0.5, 0.0]]  # 2x3 and 1x6 tie
    result.done[...] = True
    assert result.pick().ties == ((1, 6), (2, 3))


def test_pick_refuses_a_bad_margin_and_waits_for_a_network(spiral):
    with pytest.raises(ValueError, match="margin=-0.1"):
        made_up_result(np.zeros((3, 3))).pick(margin=-0.1)
    assert SweepResult.empty((1, 2), (2, 4), epochs=1).pick() is None


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings, error, words",
    [
        (dict(depths=[]), ValueError, "depths=[] is empty"),
        (dict(depths="123"), TypeError, "depths must be a list"),
        (dict(depths=[1, 11]), ValueError, "depths (hidden layers)=11"),
        (dict(depths=[1, 1.5]), TypeError, "depths (hidden layers) must be a whole number"),
        (dict(depths=[2, 2]), ValueError, "repeats"),
        (dict(widths=[0, 2]), ValueError, "widths (units per layer)=0"),
        (dict(widths=[]), ValueError, "widths=[] is empty"),
        (dict(epochs=0), ValueError, "epochs=0"),
        (dict(epochs=2.5), TypeError, "epochs must be a whole number"),
        (dict(learning_rate=0), ValueError, "learning_rate=0.0"),
        (dict(batch_size=1000), ValueError, "batch_size=1000 is larger than the training set"),
        (dict(optimizer="rmsprop"), ValueError, "optimizer='rmsprop' is not known"),
        (dict(activation="swish"), ValueError, "activation='swish' is not known"),
        (dict(head="linear"), ValueError, "head='linear' does not fit binary data"),
        (dict(features=["x1", "x9"]), ValueError, "features='x9' is not known"),
        (dict(seed=-1), ValueError, "seed=-1"),
        (dict(callback=3), TypeError, "callback must be a function"),
        (dict(should_stop="no"), TypeError, "should_stop must be a function"),
        (dict(depths=range(1, 11), widths=range(1, 42)), ValueError, "is too many"),
        (dict(surface_resolution=-1), ValueError, "surface_resolution=-1"),
        (dict(surface_resolution=2.5), TypeError, "surface_resolution must be a whole number"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(spiral, settings, error, words):
    settings.setdefault("epochs", 1)
    with pytest.raises(error) as caught:
        sweep(spiral, **settings)
    assert words in str(caught.value)


def test_data_must_be_a_split(spiral):
    with pytest.raises(TypeError, match="data must be a Split"):
        sweep(spiral.dataset, epochs=1)
