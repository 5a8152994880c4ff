"""Tests of dllab.core.data: the playground's generators, digits, your own data, splits."""

from __future__ import annotations

import os
import re
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from dllab.core import Network, Trainer, compare, fit_baseline, load_network, sweep
from dllab.core.data import (
    DATASETS,
    PLAYGROUND_SETS,
    TASKS,
    Dataset,
    Split,
    check_split,
    circle,
    from_arrays,
    from_csv,
    gauss,
    load_digits,
    make_dataset,
    multi_gauss,
    plane,
    spiral,
    split,
    xor,
)

CLASSIFICATION_SETS = ("circle", "xor", "gauss", "spiral")
REGRESSION_SETS = ("plane", "multi_gauss")


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_digits()


def write_csv(tmp_path, text: str, file_name: str = "data.csv"):
    path = tmp_path / file_name
    path.write_text(text, encoding="utf-8")
    return path


# --- The playground's 2-D sets -----------------------------------------------------------------


def test_names_partition_the_sets():
    assert TASKS == ("regression", "binary", "multiclass")
    assert PLAYGROUND_SETS == CLASSIFICATION_SETS + REGRESSION_SETS
    assert DATASETS == PLAYGROUND_SETS + ("digits", "shapes")


@pytest.mark.parametrize("name", PLAYGROUND_SETS)
def test_playground_sets_have_the_playground_sizes_and_metadata(name):
    dataset = make_dataset(name, noise=0.1, seed=1)
    expected_n = 500 if name in CLASSIFICATION_SETS else 1200
    assert dataset.name == name
    assert dataset.X.shape == (expected_n, 2) and dataset.y.shape == (expected_n,)
    assert (dataset.n_samples, dataset.n_inputs) == (expected_n, 2)
    assert dataset.X.dtype == np.float64 and dataset.y.dtype == np.float64
    assert dataset.input_names == ("x1", "x2")
    assert dataset.extent == 6.0 and dataset.image_shape is None
    if name in CLASSIFICATION_SETS:
        assert dataset.task == "binary" and dataset.n_classes == 2
        assert dataset.classes == ("-1", "+1")
        assert set(np.unique(dataset.y)) == {-1.0, 1.0}
    else:
        assert dataset.task == "regression" and dataset.n_classes == 0
        assert dataset.classes == ()


@pytest.mark.parametrize("name", PLAYGROUND_SETS)
@pytest.mark.parametrize("n_samples", [2, 3, 101])
def test_n_samples_is_exact_even_when_odd(name, n_samples):
    dataset = make_dataset(name, noise=0.2, n_samples=n_samples)
    assert dataset.X.shape == (n_samples, 2) and dataset.y.shape == (n_samples,)


@pytest.mark.parametrize("name", CLASSIFICATION_SETS)
def test_classification_sets_are_balanced_without_noise(name):
    dataset = make_dataset(name, noise=0.0, n_samples=400)
    assert np.sum(dataset.y == 1.0) == pytest.approx(200, abs=40 if name == "xor" else 0)


@pytest.mark.parametrize("name", PLAYGROUND_SETS)
def test_same_seed_same_points_other_seed_other_points(name):
    first = make_dataset(name, noise=0.3, seed=7)
    again = make_dataset(name, noise=0.3, seed=7)
    other = make_dataset(name, noise=0.3, seed=8)
    np.testing.assert_array_equal(first.X, again.X)
    np.testing.assert_array_equal(first.y, again.y)
    assert not np.array_equal(first.X, other.X)


@pytest.mark.parametrize("name", PLAYGROUND_SETS)
def test_a_generator_can_be_passed_as_seed(name):
    from_seed = make_dataset(name, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(from_seed.X, make_dataset(name, seed=5).X)


@pytest.mark.parametrize(
    "generator", [circle, xor, gauss, spiral, plane, multi_gauss], ids=lambda f: f.__name__
)
def test_generators_share_one_signature(generator):
    dataset = generator(40, 0.25, np.random.default_rng(0))
    assert dataset.name == generator.__name__ and dataset.X.shape == (40, 2)
    np.testing.assert_array_equal(
        dataset.X, make_dataset(generator.__name__, 0.25, 0, n_samples=40).X
    )


@pytest.mark.parametrize("noise", [0.0, 0.5])
@pytest.mark.parametrize(
    "name, largest_coordinate, largest_radius",
    [
        ("circle", 5.0, 5.0),
        ("xor", 5.3, None),
        ("spiral", None, 5.0),  # plus the noise, U(-1, 1) * noise per axis
        ("plane", 6.0, None),
        ("multi_gauss", 6.0, None),
    ],
)
def test_points_stay_in_their_box(name, noise, largest_coordinate, largest_radius):
    X = make_dataset(name, noise=noise, seed=3).X
    if largest_coordinate is not None:
        assert np.abs(X).max() <= largest_coordinate
    if largest_radius is not None:
        assert np.hypot(X[:, 0], X[:, 1]).max() <= largest_radius + noise * np.sqrt(2)


def test_circle_without_noise_puts_positives_inside_and_negatives_on_the_ring():
    dataset = circle(500, 0.0, np.random.default_rng(0))
    radius = np.hypot(dataset.X[:, 0], dataset.X[:, 1])
    assert np.all(radius[dataset.y == 1.0] < 2.5)
    negatives = radius[dataset.y == -1.0]
    assert np.all((negatives >= 3.5) & (negatives <= 5.0))
    assert np.sum(dataset.y == 1.0) == 250


def test_circle_noise_flips_labels_but_does_not_move_points():
    clean = circle(500, 0.0, np.random.default_rng(0))
    noisy = circle(500, 0.5, np.random.default_rng(0))
    np.testing.assert_array_equal(clean.X, noisy.X)
    assert np.any(clean.y != noisy.y)


def test_xor_without_noise_is_the_sign_of_the_product_and_keeps_off_the_axes():
    dataset = xor(500, 0.0, np.random.default_rng(0))
    x1, x2 = dataset.X.T
    np.testing.assert_array_equal(dataset.y, np.sign(x1 * x2))
    assert np.abs(dataset.X).min() >= 0.3


def test_xor_noise_flips_some_labels():
    dataset = xor(500, 0.5, np.random.default_rng(0))
    assert np.any(dataset.y != np.sign(dataset.X[:, 0] * dataset.X[:, 1]))


@pytest.mark.parametrize("noise, variance", [(0.0, 0.5), (0.25, 2.25), (0.5, 4.0)])
def test_gauss_clusters_sit_at_their_centres_with_the_mapped_variance(noise, variance):
    dataset = gauss(4000, noise, np.random.default_rng(0))
    for label, centre in [(1.0, 2.0), (-1.0, -2.0)]:
        cluster = dataset.X[dataset.y == label]
        assert len(cluster) == 2000
        np.testing.assert_allclose(cluster.mean(axis=0), [centre, centre], atol=0.15)
        np.testing.assert_allclose(cluster.var(axis=0), [variance, variance], rtol=0.1)


def test_spiral_without_noise_follows_the_playground_formula():
    dataset = spiral(500, 0.0, np.random.default_rng(0))
    step = np.arange(250) / 250
    radius, angle = 5 * step, 1.75 * 2 * np.pi * step
    positive = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    np.testing.assert_allclose(dataset.X[dataset.y == 1.0], positive, atol=1e-12)
    # The negative arm is the positive one turned by pi.
    np.testing.assert_allclose(dataset.X[dataset.y == -1.0], -positive, atol=1e-12)
    all_radii = np.hypot(dataset.X[:, 0], dataset.X[:, 1])
    assert all_radii.min() >= 0.0 and all_radii.max() <= 5.0


def test_spiral_noise_moves_points_by_at_most_noise_per_axis():
    clean = spiral(500, 0.0, np.random.default_rng(0))
    noisy = spiral(500, 0.4, np.random.default_rng(1))
    shift = np.abs(noisy.X - clean.X)
    assert shift.max() <= 0.4 and shift.max() > 0.3
    np.testing.assert_array_equal(clean.y, noisy.y)


def test_plane_without_noise_is_the_scaled_sum():
    dataset = plane(1200, 0.0, np.random.default_rng(0))
    np.testing.assert_allclose(dataset.y, dataset.X.sum(axis=1) / 10)
    assert np.abs(dataset.y).max() <= 1.2


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_plane_values_stay_in_the_scaled_range(noise):
    dataset = plane(1200, noise, np.random.default_rng(0))
    # |x1 + x2| <= 12 for the points, plus up to 6 * noise per axis for the label's shift.
    assert np.abs(dataset.y).max() <= 1.2 * (1 + noise)


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_multi_gauss_values_are_within_one(noise):
    dataset = multi_gauss(1200, noise, np.random.default_rng(0))
    assert np.abs(dataset.y).max() <= 1.0
    assert np.any(dataset.y > 0.5) and np.any(dataset.y < -0.5)


def test_multi_gauss_without_noise_takes_the_sign_of_the_nearest_bump():
    dataset = multi_gauss(1200, 0.0, np.random.default_rng(0))
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    signs = np.array([1, -1, 1, -1, 1, -1])
    distances = np.linalg.norm(dataset.X[:, None, :] - centres[None], axis=2)
    nearest = distances.argmin(axis=1)
    nearest_distance = distances.min(axis=1)
    np.testing.assert_allclose(
        dataset.y, signs[nearest] * np.clip(1 - nearest_distance / 2, 0, 1), atol=1e-12
    )
    assert np.all(dataset.y[nearest_distance >= 2] == 0)


# --- Digits ----------------------------------------------------------------------------------


def test_digits_are_8_by_8_images_in_ten_classes(digits):
    assert digits.X.shape == (1797, 64) and digits.y.shape == (1797,)
    assert digits.task == "multiclass" and digits.n_classes == 10
    assert digits.classes == tuple(str(digit) for digit in range(10))
    assert digits.y.dtype == np.int64 and set(np.unique(digits.y)) == set(range(10))
    assert digits.X.min() == 0.0 and digits.X.max() == 1.0
    assert digits.image_shape == (8, 8) and digits.extent is None
    assert digits.input_names[0] == "pixel 0" and len(digits.input_names) == 64


def test_make_dataset_digits_ignores_noise_and_can_take_a_balanced_subset():
    everything = make_dataset("digits", noise=0.5)
    assert everything.n_samples == 1797
    subset = make_dataset("digits", seed=2, n_samples=100)
    assert subset.X.shape == (100, 64) and subset.n_classes == 10
    np.testing.assert_array_equal(np.bincount(subset.y), np.full(10, 10))
    again = make_dataset("digits", seed=2, n_samples=100)
    np.testing.assert_array_equal(subset.X, again.X)


# --- Splits ----------------------------------------------------------------------------------


def numbered_dataset(n_samples: int) -> Dataset:
    """A regression set whose first input is the sample's number and y is twice it."""
    ids = np.arange(n_samples, dtype=np.float64)
    return from_arrays(np.column_stack([ids, -ids]), 2 * ids, task="regression")


@pytest.mark.parametrize("train_share", [0.1, 0.25, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("n_samples", [10, 33, 500])
def test_split_sizes_follow_the_share(train_share, n_samples):
    parts = split(numbered_dataset(n_samples), train_share, seed=0)
    assert isinstance(parts, Split) and parts.train_share == train_share
    assert len(parts.X_train) == len(parts.y_train) == round(train_share * n_samples)
    assert len(parts.X_test) == len(parts.y_test) == n_samples - round(train_share * n_samples)


def test_split_parts_are_a_permutation_of_the_data_with_rows_kept_together():
    dataset = numbered_dataset(101)
    parts = split(dataset, 0.6, seed=4)
    ids = np.concatenate([parts.X_train[:, 0], parts.X_test[:, 0]])
    np.testing.assert_array_equal(np.sort(ids), np.arange(101))
    assert not np.array_equal(ids, np.arange(101))  # shuffled
    for X, y in [(parts.X_train, parts.y_train), (parts.X_test, parts.y_test)]:
        np.testing.assert_array_equal(y, 2 * X[:, 0])
        np.testing.assert_array_equal(X[:, 1], -X[:, 0])
    assert parts.dataset is dataset


def test_split_is_seeded():
    dataset = make_dataset("circle")
    first, again, other = split(dataset, seed=1), split(dataset, seed=1), split(dataset, seed=2)
    np.testing.assert_array_equal(first.X_train, again.X_train)
    assert not np.array_equal(first.X_train, other.X_train)


def test_split_keeps_label_conventions():
    parts = split(make_dataset("digits", n_samples=50), 0.5)
    assert parts.y_train.dtype == np.int64
    assert set(np.unique(split(make_dataset("xor")).y_test)) == {-1.0, 1.0}


# --- Your own data ---------------------------------------------------------------------------


def test_from_arrays_infers_regression_from_fractional_numbers():
    dataset = from_arrays([[0, 1], [1, 0], [2, 2]], [0.5, 1.0, 2.25])
    assert dataset.task == "regression" and dataset.n_classes == 0 and dataset.classes == ()
    np.testing.assert_array_equal(dataset.y, [0.5, 1.0, 2.25])
    assert dataset.name == "my data" and dataset.input_names == ("x1", "x2")
    assert dataset.extent is None and dataset.image_shape is None


@pytest.mark.parametrize(
    "labels, signs, classes",
    [
        ([3, 7, 7, 3], [-1, 1, 1, -1], ("3", "7")),
        ([1.0, -1.0, 1.0, -1.0], [1, -1, 1, -1], ("-1", "1")),
        (["no", "yes", "yes", "no"], [-1, 1, 1, -1], ("no", "yes")),
    ],
)
def test_from_arrays_maps_two_classes_to_minus_and_plus_one_in_sorted_order(labels, signs, classes):
    dataset = from_arrays(np.eye(4), labels)
    assert dataset.task == "binary" and dataset.n_classes == 2 and dataset.classes == classes
    assert dataset.y.dtype == np.float64
    np.testing.assert_array_equal(dataset.y, signs)


@pytest.mark.parametrize(
    "labels, codes, classes",
    [
        ([2, 0, 1, 2], [2, 0, 1, 2], ("0", "1", "2")),
        ([10, 5, 7, 5], [2, 0, 1, 0], ("5", "7", "10")),
        (["dog", "cat", "emu", "cat"], [1, 0, 2, 0], ("cat", "dog", "emu")),
    ],
)
def test_from_arrays_maps_more_classes_to_codes_in_sorted_order(labels, codes, classes):
    dataset = from_arrays(np.eye(4), labels)
    assert dataset.task == "multiclass" and dataset.n_classes == 3 and dataset.classes == classes
    assert dataset.y.dtype == np.int64
    np.testing.assert_array_equal(dataset.y, codes)


def test_many_whole_numbers_are_a_quantity_unless_the_task_says_classes():
    X = np.arange(60.0).reshape(30, 2)
    prices = np.arange(100, 130)  # 30 distinct whole numbers
    assert from_arrays(X, prices).task == "regression"
    assert from_arrays(X, prices, task="multiclass").n_classes == 30
    twenty = np.arange(30) % 20  # 20 distinct whole numbers: still classes
    assert from_arrays(X, twenty).task == "multiclass"


def test_from_arrays_accepts_an_explicit_task_that_fits():
    X = np.eye(4)
    assert from_arrays(X, [0, 1, 2, 3], task="regression").task == "regression"
    two_as_many = from_arrays(X, [0, 1, 1, 0], task="multiclass")
    assert two_as_many.task == "multiclass" and two_as_many.n_classes == 2
    np.testing.assert_array_equal(two_as_many.y, [0, 1, 1, 0])


def test_from_arrays_copies_its_inputs_and_keeps_names():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    dataset = from_arrays(X, [0.5, 1.5], name="tiny", input_names=["width", "height"])
    X[0, 0] = 99.0
    assert dataset.X[0, 0] == 1.0
    assert dataset.name == "tiny" and dataset.input_names == ("width", "height")


def test_from_arrays_round_trips_a_playground_set():
    original = make_dataset("spiral", noise=0.1)
    rebuilt = from_arrays(original.X, original.y, name="spiral")
    assert rebuilt.task == "binary"
    np.testing.assert_array_equal(rebuilt.X, original.X)
    np.testing.assert_array_equal(rebuilt.y, original.y)


def test_from_csv_reads_numbers_with_the_target_last_by_default(tmp_path):
    path = write_csv(tmp_path, "a,b,price\n1,2,0.5\n3,4.5,1.25\n-1,0,2\n", "houses.csv")
    dataset = from_csv(path)
    assert dataset.name == "houses" and dataset.task == "regression"
    assert dataset.input_names == ("a", "b")
    np.testing.assert_array_equal(dataset.X, [[1, 2], [3, 4.5], [-1, 0]])
    np.testing.assert_array_equal(dataset.y, [0.5, 1.25, 2.0])


def test_from_csv_reads_string_class_names_from_a_named_column(tmp_path):
    path = write_csv(
        tmp_path,
        "species, petal length,petal width\nsetosa,1.4,0.2\n\nvirginica,6.0,2.5\n"
        "versicolor,4.5,1.5\nsetosa,1.3,0.2\n",
    )
    dataset = from_csv(path, target="species", name="iris")
    assert dataset.name == "iris" and dataset.task == "multiclass"
    assert dataset.classes == ("setosa", "versicolor", "virginica")
    assert dataset.input_names == ("petal length", "petal width")
    np.testing.assert_array_equal(dataset.y, [0, 2, 1, 0])
    np.testing.assert_array_equal(dataset.X[:, 0], [1.4, 6.0, 4.5, 1.3])


def test_from_csv_reads_a_binary_column_by_index(tmp_path):
    path = write_csv(tmp_path, "label,x1,x2\n1,0.1,0.2\n0,0.3,0.4\n1,0.5,0.6\n")
    dataset = from_csv(path, target=0)
    assert dataset.task == "binary" and dataset.classes == ("0", "1")
    np.testing.assert_array_equal(dataset.y, [1.0, -1.0, 1.0])


@pytest.mark.parametrize("name", ["circle", "multi_gauss"])
def test_from_csv_round_trips_arrays_written_to_disk(tmp_path, name):
    original = make_dataset(name, noise=0.2, n_samples=60)
    rows = "\n".join(
        f"{x1!r},{x2!r},{label!r}"
        for x1, x2, label in np.column_stack([original.X, original.y]).tolist()
    )
    dataset = from_csv(write_csv(tmp_path, "x1,x2,y\n" + rows + "\n"))
    assert dataset.task == original.task and dataset.input_names == ("x1", "x2")
    np.testing.assert_array_equal(dataset.X, original.X)
    np.testing.assert_array_equal(dataset.y, original.y)


# --- Bad input: a clear ValueError or TypeError naming the parameter --------------------------


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"name='moons'.*circle, xor, gauss, spiral"):
        make_dataset("moons")


@pytest.mark.parametrize("noise", [-0.1, 0.6, 50, float("nan"), float("inf")])
def test_noise_outside_zero_to_one_half_is_refused(noise):
    with pytest.raises(ValueError, match=r"noise=.*0\.0 to 0\.5"):
        make_dataset("circle", noise=noise)


def test_noise_must_be_a_number():
    with pytest.raises(TypeError, match="noise"):
        make_dataset("xor", noise="high")


@pytest.mark.parametrize("n_samples", [1, 0, -5])
def test_too_few_samples_are_refused(n_samples):
    with pytest.raises(ValueError, match=r"n_samples=.*from 2"):
        make_dataset("gauss", n_samples=n_samples)


@pytest.mark.parametrize("n_samples", [2.5, "100", True])
def test_n_samples_must_be_a_whole_number(n_samples):
    with pytest.raises(TypeError, match="n_samples"):
        make_dataset("spiral", n_samples=n_samples)


def test_n_samples_cannot_exceed_the_digits():
    with pytest.raises(ValueError, match=r"n_samples=2000.*1797"):
        make_dataset("digits", n_samples=2000)


def test_a_generator_checks_its_arguments_too():
    with pytest.raises(ValueError, match="noise"):
        circle(100, 0.7, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_samples"):
        plane(1, 0.0, np.random.default_rng(0))


@pytest.mark.parametrize("seed", [-1, 1.5, "abc"])
def test_bad_seed_is_refused(seed):
    with pytest.raises((ValueError, TypeError), match="seed"):
        make_dataset("circle", seed=seed)


@pytest.mark.parametrize("train_share", [0.05, 0.95, 0.0, 1.0, float("nan")])
def test_train_share_outside_ten_to_ninety_percent_is_refused(train_share):
    with pytest.raises(ValueError, match=r"train_share=.*0\.1 to 0\.9.*10% to 90%"):
        split(make_dataset("circle"), train_share)


def test_train_share_must_be_a_number():
    with pytest.raises(TypeError, match=r"train_share.*0\.1 to 0\.9"):
        split(make_dataset("circle"), "half")


def test_split_needs_a_sample_on_each_side():
    with pytest.raises(ValueError, match=r"train_share=0\.1 leaves no sample for training"):
        split(numbered_dataset(3), 0.1)
    with pytest.raises(ValueError, match=r"train_share=0\.9 leaves no sample for testing"):
        split(numbered_dataset(3), 0.9)


def made_by_hand(X_train=None, y_train=None) -> Split:
    made = split(make_dataset("circle", n_samples=40), 0.5)
    return Split(
        made.dataset,
        made.X_train if X_train is None else X_train(made.X_train),
        made.y_train if y_train is None else y_train(made.y_train),
        made.X_test,
        made.y_test,
        0.5,
    )


def with_complex_value(X):
    X = X.astype(complex)
    X[3, 1] += 2j
    return X


def with_missing_label(y):
    y = y.astype(object)
    y[5] = None
    return y


USING_A_SPLIT = {
    "Trainer": lambda data: Trainer(Network([2, 1]), data),
    "fit_baseline": lambda data: fit_baseline("logistic_raw", data),
    "compare": lambda data: compare(data),
    "sweep": lambda data: sweep(data, depths=[1], widths=[2], epochs=1),
    "check_split": check_split,
}


@pytest.mark.parametrize("use", USING_A_SPLIT.values(), ids=USING_A_SPLIT.keys())
@pytest.mark.parametrize(
    "data, error, message",
    [
        (
            made_by_hand(X_train=with_complex_value),
            TypeError,
            r"data\.X_train holds complex numbers such as .*2j\) \(at row 3, column 1\)",
        ),
        (
            made_by_hand(y_train=with_missing_label),
            ValueError,
            r"data\.y_train holds None at position 5, a missing label",
        ),
        (
            made_by_hand(X_train=lambda X: np.where(X > 1.0, np.inf, X)),
            ValueError,
            r"data\.X_train contains NaN or infinite values",
        ),
    ],
    ids=["complex input", "missing label", "infinite input"],
)
def test_a_split_made_by_hand_is_checked_wherever_it_is_used(use, data, error, message):
    with pytest.raises(error, match=message):
        use(data)


def test_split_needs_a_dataset():
    with pytest.raises(TypeError, match="dataset must be a Dataset"):
        split("circle")


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match=r"y has 3 values but X has 4 rows"):
        from_arrays(np.eye(4), [0, 1, 0])


@pytest.mark.parametrize("X", [[1.0, 2.0, 3.0], np.zeros((2, 2, 2)), 5.0])
def test_inputs_must_be_2d(X):
    with pytest.raises(ValueError, match=r"X must be a 2-D array"):
        from_arrays(X, [0, 1])


def test_inputs_must_be_numbers():
    with pytest.raises(TypeError, match="X must hold numbers"):
        from_arrays([["a", "b"], ["c", "d"]], [0, 1])


def test_labels_must_be_1d():
    with pytest.raises(ValueError, match=r"y must be 1-D"):
        from_arrays(np.eye(2), np.eye(2))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_refused_with_their_place(bad):
    X = np.eye(3)
    X[2, 1] = bad
    with pytest.raises(ValueError, match=rf"X contains NaN .*: it holds {bad} at row 2, column 1"):
        from_arrays(X, [0.5, 1.5, 2.5])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_labels_are_refused(bad):
    with pytest.raises(ValueError, match=r"y holds (nan|inf) at position 1"):
        from_arrays(np.eye(3), [0.5, bad, 2.5])


@pytest.mark.parametrize(
    "X",
    [
        np.array([[0.0, 1.0], [1.0 + 2.0j, 0.0], [2.0, 2.0]]),
        [[0.0, 1.0], [1 + 2j, 0.0], [2.0, 2.0]],
        np.array([[0.0, 1.0], [1 + 2j, 0.0], [2.0, 2.0]], dtype=object),
    ],
    ids=["complex array", "list", "object array"],
)
def test_complex_inputs_are_refused_not_cut_to_their_real_part(X):
    with pytest.raises(
        TypeError,
        match=r"X holds complex numbers such as \(1\+2j\) \(at row 1, "
        r"column 0\), and it must hold real numbers",
    ):
        from_arrays(X, [0, 1, 0])


@pytest.mark.parametrize(
    "labels, shown",
    [
        (np.array(["cat", None, "dog"], dtype=object), "None"),
        (np.array(["cat", np.nan, "dog"], dtype=object), "nan"),
        (np.array([1.0, None, 2.0], dtype=object), "None"),
        (["cat", float("nan"), "dog"], "'nan'"),  # NumPy turns the list into text
        (["cat", "", "dog"], "''"),
        (np.array(["cat", "NaN", "dog"]), "'NaN'"),
    ],
    ids=["None among text", "NaN among text", "None among numbers", "nan as text", "empty", "NaN"],
)
def test_missing_labels_are_refused_where_they_are(labels, shown):
    with pytest.raises(ValueError, match=rf"y holds {shown} at position 1, a missing label"):
        from_arrays(np.eye(3), labels)


@pytest.mark.parametrize(
    "labels, shown",
    [([1, 1 + 1j, 2], r"\(1\+1j\) \(at position 1\)"), (np.array([1, 2], complex), r"\(1\+0j\)")],
)
def test_complex_labels_are_refused(labels, shown):
    with pytest.raises(TypeError, match=rf"y holds complex numbers such as {shown}"):
        from_arrays(np.eye(len(labels)), labels)


def test_whole_number_labels_near_two_to_the_63_stay_two_classes():
    big = np.array([2**63 - 1, 2**63 - 2, 2**63 - 1])
    data = from_arrays(np.eye(3), big)
    assert data.task == "binary"
    assert data.classes == ("9223372036854775806", "9223372036854775807")
    np.testing.assert_array_equal(data.y, [1.0, -1.0, 1.0])
    many = from_arrays(np.eye(3), np.array([2**63 - 1, 2**63 - 3, 2**63 - 2]))
    assert many.task == "multiclass"
    assert many.classes == tuple(str(2**63 - k) for k in (3, 2, 1))
    np.testing.assert_array_equal(many.y, [2, 0, 1])


@pytest.mark.parametrize(
    "labels, message",
    [
        (
            [2**63, 2**63 + 1, 1],  # NumPy would make these floats, and the first two one class
            r"y holds 9223372036854775808 at position 0, a whole number too large for a "
            r"64-bit integer",
        ),
        ([2**70, 1, 2], r"y holds 1180591620717411303424 at position 0"),
        (
            [2**60 + 1, 2**60, 0.5],
            r"y holds 1152921504606846977 at position 0, .* too large for a float64",
        ),
    ],
    ids=["beyond int64", "beyond uint64", "beside fractions"],
)
def test_whole_number_labels_that_cannot_stay_exact_are_refused(labels, message):
    with pytest.raises(ValueError, match=message):
        from_arrays(np.eye(3), labels)


def test_a_single_label_is_refused():
    with pytest.raises(
        ValueError, match=r"y must hold one label per row of X \(3 rows\); got the single value 1"
    ):
        from_arrays(np.eye(3), 1)


@pytest.mark.parametrize("task", [None, "binary", "multiclass"])
@pytest.mark.parametrize("labels", [[1, 1, 1], ["cat", "cat", "cat"]])
def test_a_single_class_is_refused(task, labels):
    with pytest.raises(ValueError, match="needs at least two classes"):
        from_arrays(np.eye(3), labels, task=task)


def test_binary_task_with_three_classes_is_refused():
    with pytest.raises(ValueError, match=r"task='binary'.*3 classes.*multiclass"):
        from_arrays(np.eye(3), [0, 1, 2], task="binary")


def test_regression_task_with_text_labels_is_refused():
    with pytest.raises(ValueError, match=r"task='regression'.*text"):
        from_arrays(np.eye(3), ["a", "b", "c"], task="regression")


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_classification_task_with_fractional_labels_is_refused(task):
    with pytest.raises(ValueError, match=rf"task='{task}'.*not whole.*regression"):
        from_arrays(np.eye(3), [0.5, 1.0, 1.5], task=task)


def test_unknown_task_is_refused():
    with pytest.raises(ValueError, match=r"task='clustering'.*regression, binary, multiclass"):
        from_arrays(np.eye(3), [0, 1, 0], task="clustering")


def test_input_names_must_match_the_columns():
    with pytest.raises(ValueError, match="input_names has 1 names but X has 2 columns"):
        from_arrays(np.eye(2), [0, 1], input_names=["only one"])
    with pytest.raises(TypeError, match="input_names"):
        from_arrays(np.eye(2), [0, 1], input_names="ab")


def test_csv_with_a_missing_value_names_row_and_column(tmp_path):
    path = write_csv(tmp_path, "a,b,y\n1,2,0\n3,,1\n5,6,0\n")
    with pytest.raises(ValueError, match=r"row 3, column 'b'.*missing"):
        from_csv(path)


def test_csv_with_a_missing_label_names_row_and_column(tmp_path):
    path = write_csv(tmp_path, "a,b,y\n1,2,0\n3,4,NA\n5,6,1\n")
    with pytest.raises(ValueError, match=r"row 3, column 'y'.*missing"):
        from_csv(path)


def test_csv_with_text_in_an_input_column_names_row_column_and_text(tmp_path):
    path = write_csv(tmp_path, "a,b,y\n1,2,0\n3,4,1\n5,six,0\n")
    with pytest.raises(ValueError, match=r"row 4, column 'b' holds the text 'six'"):
        from_csv(path)


def test_csv_that_does_not_exist(tmp_path):
    with pytest.raises(ValueError, match=r"path=.*nowhere\.csv' does not exist"):
        from_csv(tmp_path / "nowhere.csv")


def test_csv_path_must_be_a_path():
    with pytest.raises(TypeError, match="path must be"):
        from_csv(42)


def special_path(tmp_path, kind: str):
    """A path that is not a regular file."""
    if kind == "folder":
        return tmp_path
    if kind == "named pipe":
        os.mkfifo(tmp_path / "pipe.csv")
        return tmp_path / "pipe.csv"
    if kind == "link to /dev/zero":
        (tmp_path / "zero.csv").symlink_to("/dev/zero")
        return tmp_path / "zero.csv"
    return Path("/dev/null")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX special files")
@pytest.mark.parametrize(
    "kind, described",
    [
        ("folder", "a folder"),
        ("/dev/null", "a character device"),
        ("named pipe", r"a named pipe \(FIFO\)"),
        ("link to /dev/zero", r"a character device \(through a symbolic link\)"),
    ],
)
@pytest.mark.parametrize(
    "read, wanted", [(from_csv, "a CSV file"), (load_network, "a saved network")]
)
def test_a_path_that_is_not_a_regular_file_is_named_for_what_it_is(
    tmp_path, kind, described, read, wanted
):
    path = special_path(tmp_path, kind)
    with ThreadPoolExecutor(1) as pool:
        reading = pool.submit(read, path)
        try:
            error = reading.exception(timeout=20)  # a named pipe must not block the reader
        finally:
            if not reading.done() and kind == "named pipe":
                with open(path, "w"):  # a writer comes, so the blocked reader returns
                    pass
    assert isinstance(error, ValueError), error
    message = rf"path='{re.escape(str(path))}' is {described}, not a regular file; give the path"
    assert re.match(rf"{message} of {wanted}$", str(error)), str(error)


def test_csv_through_a_symbolic_link_to_a_file_is_read(tmp_path):
    real = write_csv(tmp_path, "a,b,y\n1,2,0\n3,4,1\n")
    (tmp_path / "link.csv").symlink_to(real)
    assert from_csv(tmp_path / "link.csv").n_samples == 2


@pytest.mark.parametrize(
    "text, line",
    [
        ('a,b,y\n1,2,0\n3,"4,1\n5,6,0\n7,8,1\n', 3),
        ('a,b,y\n1,2,0\n3,4,"1\n5,6,0\n7,8,1', 3),
        ('a,b,y\r\n1,2,0\r\n3,4,1\r\n5,6,"0\r\n7,8,1\r\n', 4),
        ('a,b,y\n1,2,"zero\nor not"\n3,4,1\n\n5,6,"0\n7,8,1\n', 6),
        ('a,"b,y\n1,2,0\n3,4,1\n', 1),
        ('a,b,y\n1,2,0\n3,4,1\n"\n\n', 4),
    ],
    ids=[
        "in an input",
        "in the target",
        "CRLF lines",
        "after a quoted line break",
        "header",
        "alone",
    ],
)
def test_csv_with_an_unclosed_quote_names_the_line_it_opens_on(tmp_path, text, line):
    path = write_csv(tmp_path, text)
    with pytest.raises(
        ValueError,
        match=rf"data\.csv, line {line}: a quote \(\"\) opens a value that is never closed",
    ):
        from_csv(path)


def test_csv_may_quote_a_class_name_over_two_lines(tmp_path):
    path = write_csv(tmp_path, 'a,b,y\n1,2,"zero\nor not"\n3,4,one\n5,6,"zero\nor not"\n')
    assert from_csv(path).classes == ("one", "zero\nor not")


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b,y\n1,2,0\n3,-inf,1\n", r"row 3, column 'b' holds '-inf'; values must be finite"),
        ("a,b,y\n1,2,0\n3,4,inf\n", r"column 'y' holds inf in row 3; labels must be finite"),
        ("a,b,y\n1,2,0\n3,4,1\n5,6,1e999\n", r"column 'y' holds inf in row 4"),
    ],
)
def test_csv_with_infinite_values_names_row_and_column(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        from_csv(write_csv(tmp_path, text))


def test_csv_whole_number_labels_near_two_to_the_63_stay_two_classes(tmp_path):
    path = write_csv(tmp_path, "a,b,id\n1,2,9223372036854775807\n3,4,9223372036854775806\n")
    data = from_csv(path)
    assert data.classes == ("9223372036854775806", "9223372036854775807")
    np.testing.assert_array_equal(data.y, [1.0, -1.0])


def test_csv_whole_number_labels_beyond_64_bits_are_refused(tmp_path):
    path = write_csv(tmp_path, "a,b,id\n1,2,1\n3,4,9223372036854775808\n")
    with pytest.raises(
        ValueError,
        match=r"data\.csv, column 'id' holds 9223372036854775808 in row 3, a whole number too",
    ):
        from_csv(path)


def test_reading_a_csv_takes_little_more_memory_than_its_numbers(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 10))
    path = tmp_path / "big.csv"
    with open(path, "w") as file:
        file.write("x0,x1,x2,x3,x4,x5,x6,x7,x8,x9,y\n")
        np.savetxt(file, np.column_stack([X, X[:, 0] > 0]), delimiter=",", fmt="%.9f")
    tracemalloc.start()
    try:
        data = from_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(data.X, X, rtol=0, atol=1e-9)  # written with 9 decimals
    # 1.6 MB of inputs from a 2.6 MB file; every cell kept as text took 17 times the file.
    assert peak < 2 * X.nbytes


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is empty"),
        ("\n\n", "is empty"),
        ("a,b,y\n", "has a header but no data rows"),
        ("a,b,y\n1,2,3\n", "only one data row"),
        ("1,2,3\n4,5,6\n7,8,9\n", "the first row must be a header"),
        ("a;b;y\n1;2;3\n4;5;6\n", "single column"),
        ("a,a,y\n1,2,3\n4,5,6\n", "names a column twice"),
    ],
)
def test_csv_without_a_header_and_data_is_refused(tmp_path, text, message):
    with pytest.raises(ValueError, match=rf"path=.*{message}"):
        from_csv(write_csv(tmp_path, text))


def test_csv_row_with_the_wrong_number_of_values(tmp_path):
    path = write_csv(tmp_path, "a,b,y\n1,2,0\n3,4\n5,6,1\n")
    with pytest.raises(ValueError, match=r"row 3: 2 values but the header has 3 columns"):
        from_csv(path)


@pytest.mark.parametrize(
    "target, message",
    [
        ("price", r"target='price' is not a column.*a, b, y"),
        (3, r"target=3 is not a column index.*0 to 2"),
        (-4, r"target=-4 is not a column index"),
    ],
)
def test_csv_target_that_does_not_exist(tmp_path, target, message):
    path = write_csv(tmp_path, "a,b,y\n1,2,0\n3,4,1\n")
    with pytest.raises(ValueError, match=message):
        from_csv(path, target=target)


def test_csv_target_must_be_a_name_or_index(tmp_path):
    path = write_csv(tmp_path, "a,b,y\n1,2,0\n3,4,1\n")
    with pytest.raises(TypeError, match="target must be"):
        from_csv(path, target=1.5)


def test_csv_task_that_does_not_fit_the_labels(tmp_path):
    path = write_csv(tmp_path, "a,b,kind\n1,2,red\n3,4,green\n5,6,blue\n")
    with pytest.raises(ValueError, match=r"task='regression' does not fit target column 'kind'"):
        from_csv(path, task="regression")
    with pytest.raises(ValueError, match=r"task='binary' does not fit target column 'kind'"):
        from_csv(path, task="binary")


def test_csv_with_a_single_class(tmp_path):
    path = write_csv(tmp_path, "a,b,kind\n1,2,red\n3,4,red\n")
    with pytest.raises(ValueError, match=r"target column 'kind'.*needs at least two classes"):
        from_csv(path)
