"""Tests of dllab.core.ngram: count models against hand-computed examples, smoothing chosen on
validation words, sampling as the model says, and named errors."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from scipy.stats import chisquare

from dllab.core.ngram import (
    SMOOTHING_CANDIDATES,
    NGramModel,
    OrderResult,
    SmoothingSearch,
    best_smoothing,
    sweep_orders,
)
from dllab.core.text import LETTERS, Alphabet, load_names, split_words

AB = Alphabet("ab")  # symbols ".ab": index 0 is the end mark


# --- hand-computed examples -------------------------------------------------------------
#
# Words ["ab", "b"] with the alphabet "ab" (3 symbols . a b). Read between end marks they are
# ".ab." and ".b.", giving the bigrams  .a  ab  b.  .b  b.  (5 characters predicted).
# Counts after "." : . 0, a 1, b 1 (total 2)
#       after "a" : . 0, a 0, b 1 (total 1)
#       after "b" : . 2, a 0, b 0 (total 2)
# Add-1: P(x | c) = (count(c, x) + 1) / (total(c) + 3)
#   after "." : (0+1)/5, (1+1)/5, (1+1)/5 = 0.2, 0.4, 0.4
#   after "a" : 1/4, 1/4, 2/4             = 0.25, 0.25, 0.5
#   after "b" : 3/5, 1/5, 1/5             = 0.6, 0.2, 0.2
# Loss of ["ab", "b"]: -(ln P(a|.) + ln P(b|a) + ln P(.|b) + ln P(b|.) + ln P(.|b)) / 5
#   = -(ln 0.4 + ln 0.5 + ln 0.6 + ln 0.4 + ln 0.6) / 5 = 0.70948 nats per character.
HAND_BIGRAM_LOSS = -(np.log(0.4) + np.log(0.5) + np.log(0.6) + np.log(0.4) + np.log(0.6)) / 5


def test_bigram_counts_match_the_hand_count():
    model = NGramModel(order=2, smoothing=1.0, alphabet=AB).fit(["ab", "b"])
    np.testing.assert_array_equal(model.counts_table(), [[0, 1, 1], [0, 0, 1], [2, 0, 0]])
    assert (model.n_words, model.n_characters, model.n_ngrams) == (2, 5, 4)


def test_bigram_probabilities_and_loss_match_the_hand_computation():
    model = NGramModel(order=2, smoothing=1.0, alphabet=AB).fit(["ab", "b"])
    np.testing.assert_allclose(model.probabilities(""), [0.2, 0.4, 0.4])
    np.testing.assert_allclose(model.probabilities("a"), [0.25, 0.25, 0.5])
    np.testing.assert_allclose(model.probabilities("b"), [0.6, 0.2, 0.2])
    np.testing.assert_allclose(model.probabilities("bab"), [0.6, 0.2, 0.2])  # last letter only
    assert model.loss(["ab", "b"]) == pytest.approx(HAND_BIGRAM_LOSS)
    assert model.loss(["ab", "b"]) == pytest.approx(0.709476, abs=1e-6)
    # "ba" was never seen: -(ln P(b|.) + ln P(a|b) + ln P(.|a)) / 3 = -(ln .4 + ln .2 + ln .25)/3
    assert model.loss(["ba"]) == pytest.approx(-(np.log(0.4) + np.log(0.2) + np.log(0.25)) / 3)


def test_bigram_on_a_to_z_divides_by_27():
    # Same counts, 27 symbols: after "." (total 2): P(a) = 2/29; after "a": P(b) = 2/28;
    # after "b": P(.) = 3/29; an unseen pair after "b": 1/29.
    model = NGramModel(order=2, smoothing=1.0).fit(["ab", "b"])
    probabilities = model.probabilities("")
    assert probabilities[LETTERS.symbols.index("a")] == pytest.approx(2 / 29)
    assert model.probabilities("a")[LETTERS.symbols.index("b")] == pytest.approx(2 / 28)
    assert model.probabilities("b")[0] == pytest.approx(3 / 29)
    assert model.probabilities("b")[LETTERS.symbols.index("z")] == pytest.approx(1 / 29)
    assert model.probabilities("z").tolist() == pytest.approx([1 / 27] * 27)  # unseen context
    expected = -np.log([2 / 29, 2 / 28, 3 / 29, 2 / 29, 3 / 29]).mean()
    assert model.loss(["ab", "b"]) == pytest.approx(expected)


def test_unigram_matches_the_hand_computation():
    # Order 1 counts symbols with no context: . 2, a 1, b 2 (total 5); add-1 over 3 symbols:
    # P = 3/8, 2/8, 3/8. Loss of ["ab", "b"] = -(ln 2/8 + ln 3/8 + ln 3/8 + ln 3/8 + ln 3/8)/5.
    model = NGramModel(order=1, smoothing=1.0, alphabet=AB).fit(["ab", "b"])
    np.testing.assert_array_equal(model.counts_table(), [2, 1, 2])
    np.testing.assert_allclose(model.probabilities("whatever"[:0]), [3 / 8, 2 / 8, 3 / 8])
    expected = -(np.log(2 / 8) + 4 * np.log(3 / 8)) / 5
    assert model.loss(["ab", "b"]) == pytest.approx(expected)


def test_trigram_matches_the_hand_computation():
    # Trigrams of "..ab." and "..b.": (..)a (.a)b (ab). (..)b (.b).
    # Add-1 over 3 symbols: P(a|..) = (1+1)/(2+3) = 0.4, P(b|.a) = (1+1)/(1+3) = 0.5,
    # P(.|ab) = 0.5, P(b|..) = 0.4, P(.|.b) = 0.5; an unseen context gives 1/3 each.
    model = NGramModel(order=3, smoothing=1.0, alphabet=AB).fit(["ab", "b"])
    np.testing.assert_allclose(model.probabilities(""), [0.2, 0.4, 0.4])
    np.testing.assert_allclose(model.probabilities("a"), [0.25, 0.25, 0.5])
    np.testing.assert_allclose(model.probabilities("ab"), [0.5, 0.25, 0.25])
    np.testing.assert_allclose(model.probabilities("bb"), [1 / 3] * 3)
    expected = -(2 * np.log(0.4) + 3 * np.log(0.5)) / 5
    assert model.loss(["ab", "b"]) == pytest.approx(expected)
    assert model.counts_table()[0, 1, 2] == 1  # ".a" then "b"


def test_smaller_smoothing_sharpens_the_counts():
    # Add-0.5 after ".": (0+0.5)/(2+1.5), (1+0.5)/3.5, (1+0.5)/3.5
    model = NGramModel(order=2, smoothing=0.5, alphabet=AB).fit(["ab", "b"])
    np.testing.assert_allclose(model.probabilities(""), [0.5 / 3.5, 1.5 / 3.5, 1.5 / 3.5])
    assert model.with_smoothing(1.0).loss(["ab", "b"]) == pytest.approx(HAND_BIGRAM_LOSS)
    assert model.smoothing == 0.5  # with_smoothing made a new model


# --- on real names: against makemore's loops --------------------------------------------


@pytest.fixture(scope="module")
def first_names():
    return split_words(load_names("first_names"), seed=0)


def test_bigram_table_matches_makemore_loop(first_names):
    table = np.zeros((27, 27), dtype=np.int64)
    for word in first_names.train:
        padded = "." + word + "."
        for first, second in zip(padded, padded[1:]):
            table[LETTERS.symbols.index(first), LETTERS.symbols.index(second)] += 1
    model = NGramModel(order=2).fit(first_names.train)
    np.testing.assert_array_equal(model.counts_table(), table)


@pytest.mark.parametrize("order", [1, 2, 3, 5, 8])
def test_vectorised_loss_matches_a_loop_over_characters(first_names, order):
    model = NGramModel(order=order, smoothing=0.1).fit(first_names.train)
    words = first_names.validation[:60]
    log_probabilities = [
        np.log(model.probabilities(word[:position])[LETTERS.symbols.index(character)])
        for word in words
        for position, character in enumerate(word + ".")
    ]
    assert model.loss(words) == pytest.approx(-np.mean(log_probabilities), rel=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 6, 10])
def test_probabilities_sum_to_one(first_names, order):
    model = NGramModel(order=order, smoothing=0.01).fit(first_names.train)
    for context in ("", "m", "mar", "zzzzzzzzz", "christophe"):
        probabilities = model.probabilities(context)
        assert probabilities.shape == (27,)
        assert probabilities.sum() == pytest.approx(1.0)
        assert (probabilities > 0).all()


def test_longer_contexts_fit_training_names_better_but_new_names_worse(first_names):
    results = sweep_orders(first_names.train, first_names.validation, orders=range(1, 7))
    assert [result.order for result in results] == [1, 2, 3, 4, 5, 6]
    assert all(isinstance(result, OrderResult) for result in results)
    train_losses = [result.train_loss for result in results]
    validation_losses = [result.validation_loss for result in results]
    assert train_losses[5] < train_losses[2] < train_losses[0]
    gaps = [result.validation_loss - result.train_loss for result in results]
    assert gaps[5] > gaps[3] > gaps[1]  # longer contexts learn the training names by heart
    best = int(np.argmin(validation_losses))
    assert 1 <= best <= 4  # neither the unigram nor the longest context wins
    assert validation_losses[5] > validation_losses[best] + 0.05
    assert validation_losses[0] > validation_losses[1] > validation_losses[2]


# --- smoothing chosen on validation words -----------------------------------------------


def test_best_smoothing_scores_each_candidate_as_a_model_would(first_names):
    candidates = (1.0, 0.1, 0.01)
    search = best_smoothing(3, first_names.train, first_names.validation, candidates)
    assert isinstance(search, SmoothingSearch)
    for k in candidates:
        model = NGramModel(3, k).fit(first_names.train)
        assert search.validation_losses[k] == pytest.approx(model.loss(first_names.validation))
    assert search.smoothing == min(candidates, key=search.validation_losses.get)
    assert search.model.smoothing == search.smoothing
    assert search.model.loss(first_names.validation) == search.validation_losses[search.smoothing]


def test_seen_validation_words_want_little_smoothing_and_unseen_ones_much():
    train = ["ab", "ab", "ab"]
    seen = best_smoothing(2, train, ["ab"], (1.0, 0.1, 0.01), AB)
    assert seen.smoothing == 0.01  # every validation bigram was counted: trust the counts
    unseen = best_smoothing(2, train, ["ba", "aa"], (1.0, 0.1, 0.01), AB)
    assert unseen.smoothing == 1.0  # none was: spread the probability
    tie = best_smoothing(2, train, ["ab"], (0.5, 0.5), AB)
    assert tie.smoothing == 0.5 and list(tie.validation_losses) == [0.5]


# --- sampling ---------------------------------------------------------------------------


def test_sampling_is_reproducible_by_seed(first_names):
    model = NGramModel(order=3, smoothing=0.1).fit(first_names.train)
    words = model.sample(50, seed=3)
    assert len(words) == 50
    assert model.sample(50, seed=3) == words
    assert model.sample(50, seed=np.random.default_rng(3)) == words
    assert model.sample(50, seed=4) != words
    assert all(set(word) <= set(LETTERS.letters) for word in words)


def test_sampled_words_follow_the_model_distribution():
    # The hand-computed bigram above: P("") = P(.|.) = 0.2; P("a") = 0.4 * 0.25 = 0.1;
    # P("b") = 0.4 * 0.6 = 0.24; P("ab") = 0.4 * 0.5 * 0.6 = 0.12; P("aa") = 0.4 * 0.25 * 0.25
    # = 0.025; P("ba") = 0.4 * 0.2 * 0.25 = 0.02; P("bb") = 0.4 * 0.2 * 0.6 = 0.048; the
    # longer words share the rest, 0.247.
    expected = {"": 0.2, "a": 0.1, "b": 0.24, "ab": 0.12, "aa": 0.025, "ba": 0.02, "bb": 0.048}
    expected["longer"] = 1 - sum(expected.values())
    model = NGramModel(order=2, smoothing=1.0, alphabet=AB).fit(["ab", "b"])
    n_words = 20_000
    counts = Counter(word if len(word) <= 2 else "longer" for word in model.sample(n_words, seed=0))
    observed = [counts[word] for word in expected]
    assert sum(observed) == n_words
    statistic, p_value = chisquare(observed, [n_words * p for p in expected.values()])
    assert p_value > 1e-3  # fixed seed: this never flips; a wrong sampler gives p ~ 0


def test_low_temperature_picks_the_likely_letter_and_max_length_cuts():
    model = NGramModel(order=2, smoothing=1.0, alphabet=AB).fit(["a", "a", "b"])
    # After ".": counts . 0, a 2, b 1 -> P = 1/6, 3/6, 2/6; at temperature 0.05 "a" first
    # nearly always ((3/2)^20 = 3,300 times likelier than "b").
    firsts = Counter(word[:1] for word in model.sample(1000, seed=0, temperature=0.05))
    assert firsts["a"] > 990
    hot = Counter(word[:1] for word in model.sample(1000, seed=0, temperature=10.0))
    assert hot["a"] < 450  # almost even at a high temperature
    lengths = {len(word) for word in NGramModel(1, alphabet=AB).fit(["aab"]).sample(200, 0, 1.0, 3)}
    assert max(lengths) == 3


def test_sampled_surnames_are_mostly_new():
    parts = split_words(load_names("surnames")[::10], seed=0)
    model = NGramModel(order=4, smoothing=0.1).fit(parts.train)
    words = model.sample(500, seed=0)
    training_names = set(parts.train)
    new = [word for word in words if word not in training_names]
    assert len(new) > 250


# --- named errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"order": 0}, ValueError, "order=0 is not allowed: it must be from 1 to 10"),
        ({"order": 11}, ValueError, "order=11 is not allowed: it must be from 1 to 10"),
        ({"order": "2"}, TypeError, "order must be a whole number from 1 to 10; got '2'"),
        ({"smoothing": 0}, ValueError, "smoothing=0.0 is not allowed: it must be a finite number"),
        ({"smoothing": -1}, ValueError, "smoothing=-1.0 is not allowed"),
        ({"smoothing": float("nan")}, ValueError, "smoothing=nan is not allowed"),
        ({"alphabet": "abc"}, TypeError, "alphabet must be an Alphabet"),
    ],
)
def test_bad_model_settings_get_a_named_error(arguments, error, message):
    with pytest.raises(error, match=re.escape(message)):
        NGramModel(**arguments)


def test_too_high_an_order_for_a_large_alphabet_is_refused():
    printable = Alphabet("".join(chr(code) for code in range(33, 127) if chr(code) != "."))
    assert NGramModel(9, alphabet=printable).order == 9
    with pytest.raises(ValueError, match="order=10 is too high for an alphabet of 94 symbols"):
        NGramModel(10, alphabet=printable)


def test_an_unfitted_model_says_to_fit_it():
    model = NGramModel(3)
    calls = (lambda: model.loss(["ab"]), lambda: model.probabilities(""), lambda: model.sample(1))
    for call in (*calls, model.counts_table, lambda: model.with_smoothing(0.1)):
        with pytest.raises(RuntimeError, match="has no counts yet: call fit\\(training_words\\)"):
            call()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: m.fit(["ab", "a-b"]), ValueError, "words[1]='a-b' holds '-'"),
        (lambda m: m.fit([]), ValueError, "words is empty"),
        (lambda m: m.fit("ab"), TypeError, "words must be a list of words, not a single string"),
        (lambda m: m.loss(["Ab"]), ValueError, "words[0]='Ab' holds 'A'"),
        (lambda m: m.probabilities("a1"), ValueError, "context='a1' holds '1'"),
        (lambda m: m.probabilities(3), TypeError, "context must be a string of letters"),
        (lambda m: m.sample(0), ValueError, "n_words=0 is not allowed"),
        (lambda m: m.sample(5, temperature=0), ValueError, "temperature=0.0 is not allowed"),
        (lambda m: m.sample(5, seed=-2), ValueError, "seed=-2 is not allowed"),
        (lambda m: m.sample(5, max_length=0), ValueError, "max_length=0 is not allowed"),
        (lambda m: m.with_smoothing(0), ValueError, "smoothing=0.0 is not allowed"),
    ],
)
def test_bad_calls_get_a_named_error(call, error, message):
    model = NGramModel(2).fit(["ab", "ba", "abba"])
    with pytest.raises(error, match=re.escape(message)):
        call(model)


def test_dense_table_refused_when_too_large():
    model = NGramModel(5).fit(["ab", "ba"])
    with pytest.raises(ValueError, match="order=5 has a table of 14,348,907 entries, more than"):
        model.counts_table()


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"validation": ["ok", "b4d"]}, ValueError, "validation[1]='b4d' holds '4'"),
        ({"train": ["ab", "x y"]}, ValueError, "train[1]='x y' holds ' '"),
        ({"candidates": ()}, ValueError, "candidates is empty: give add-k values above 0"),
        ({"candidates": (1.0, -0.1)}, ValueError, "candidates[1]=-0.1 is not allowed"),
        ({"candidates": 0.1}, TypeError, "candidates must be a list of add-k values"),
    ],
)
def test_bad_smoothing_searches_get_a_named_error(arguments, error, message):
    settings = {"order": 2, "train": ["ab", "ba"], "validation": ["aa"]} | arguments
    with pytest.raises(error, match=re.escape(message)):
        best_smoothing(**settings)


def test_sweep_refuses_no_orders():
    with pytest.raises(ValueError, match="orders is empty"):
        sweep_orders(["ab", "ba"], ["aa"], orders=[])
    with pytest.raises(ValueError, match="orders=0 is not allowed"):
        sweep_orders(["ab", "ba"], ["aa"], orders=[0, 1])


def test_default_candidates_are_log_spaced_and_positive():
    assert all(k > 0 for k in SMOOTHING_CANDIDATES)
    assert list(SMOOTHING_CANDIDATES) == sorted(SMOOTHING_CANDIDATES, reverse=True)
