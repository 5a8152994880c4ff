"""The language lesson: counting n-grams, a next-character network trained live, the quiz,
and the pure helpers beside them."""

from __future__ import annotations

import re

import numpy as np
import pytest
import traitlets as t

from dllab.core.charmodel import char_model
from dllab.core.language import (
    greedy_ending,
    hidden_activations,
    letter_triples,
    new_share,
    principal_axes,
    pronounceable,
    pronounceable_share,
    random_words,
    rare_contexts,
)
from dllab.lessons import NameMaker, NameMakerModel
from dllab.lessons.language_model import lesson_words, spelling_check

WAIT = 120


# -- pure helpers ----------------------------------------------------------------------------
def test_principal_axes_put_the_widest_spread_first_and_do_not_flip():
    rng = np.random.default_rng(0)
    along = np.linspace(-5, 5, 27)
    vectors = np.outer(along, [1.0, 2.0, 2.0]) / 3 + rng.normal(0, 0.01, (27, 3))
    points = principal_axes(vectors)
    assert points.shape == (27, 2)
    np.testing.assert_allclose(np.abs(points[:, 0]), np.abs(along - along.mean()), atol=0.05)
    assert np.abs(points[:, 1]).max() < 0.05
    assert points[np.argmax(np.abs(points[:, 0])), 0] > 0
    np.testing.assert_allclose(principal_axes(-vectors), points, atol=1e-9)


def test_principal_axes_of_one_dimension_and_bad_input():
    points = principal_axes(np.arange(4.0)[:, None])
    np.testing.assert_allclose(points[:, 1], 0)
    with pytest.raises(ValueError, match="at least two rows"):
        principal_axes(np.zeros(5))
    with pytest.raises(ValueError, match="finite"):
        principal_axes(np.array([[0.0], [np.nan]]))


def test_greedy_ending_follows_the_likeliest_symbol():
    network = char_model(context=2, dim=3, hidden=[], seed=0)
    network.weights[-1][...] = 0
    network.biases[-1][...] = 0
    network.biases[-1][1] = 10.0  # "a" always likeliest
    assert greedy_ending(network, "b", max_length=5) == "baaaa"
    network.biases[-1][0] = 20.0  # then the end mark
    assert greedy_ending(network, "bo") == "bo"


def test_rare_contexts_counts_contexts_seen_few_times_in_training():
    # Contexts of one letter in training: "." 3 times, "a" 3, "b" 2, "c" 1. The eight
    # validation characters follow ".", "a", "b", ".", "a", "d", ".", "x": "d" and "x"
    # were never seen.
    assert rare_contexts(["ab", "ab", "ac"], ["ab", "ad", "x"], 1, 2) == (0.25, 0.25)
    assert rare_contexts(["ab", "ab", "ac"], ["ab", "ad", "x"], 1, 4) == (1.0, 0.25)
    # No context: every character follows the empty context, seen 3 times in training.
    assert rare_contexts(["ab"], ["cd"], 0) == (1.0, 0.0)
    assert rare_contexts(["ab"], ["cd"], 0, 3) == (0.0, 0.0)


def test_hidden_activations_are_each_hidden_layers_tanh_outputs():
    network = char_model(context=3, dim=4, hidden=[8, 5], seed=0)
    first, second = hidden_activations(network, "mc")
    assert first.shape == (8,) and second.shape == (5,)
    assert np.abs(first).max() <= 1 and np.abs(second).max() <= 1
    embedded = network.weights[0][[0, 13, 3]].ravel()  # ".", "m", "c"
    expected = np.tanh(embedded @ network.weights[1] + network.biases[1])
    np.testing.assert_allclose(first, expected, atol=1e-9)
    assert hidden_activations(char_model(context=2, hidden=[]), "a") == []


def test_new_share_counts_words_not_known():
    assert new_share(["smith", "zorb", "zorb", "jones"], {"smith", "jones"}) == 0.5
    assert new_share([], {"smith"}) == 0.0


def test_letter_triples_read_each_word_between_end_marks():
    assert letter_triples(["abc", "ab"]) == {"..a", ".ab", "abc", "bc.", "ab."}
    with pytest.raises(TypeError, match="single string"):
        letter_triples("abc")


def test_pronounceable_needs_every_triple_in_a_real_name():
    triples = letter_triples(["maria", "carlo"])
    assert pronounceable("marlo", triples) and pronounceable("caria", triples)
    assert not pronounceable("mxrlo", triples)  # "mxr" is in no name
    assert not pronounceable("arlo", triples)  # no name starts with "ar"
    assert not pronounceable("mari", triples)  # nor ends with "ri"
    assert not pronounceable("", triples)
    assert pronounceable_share(["caria", "mxrlo", "marlo", "x"], triples) == 0.5
    assert pronounceable_share([], triples) == 0.0
    with pytest.raises(TypeError, match="word must be a string; got int"):
        pronounceable(3, triples)
    with pytest.raises(TypeError, match="not a single string; got 'marlo'"):
        pronounceable_share("marlo", triples)


@pytest.mark.parametrize(
    "word, expected",
    [
        ("smith", True),
        ("garcia", True),
        ("mcdonald", True),
        ("schmidt", True),
        ("ngoma", True),
        ("xqzt", False),
        ("bcdfg", False),
        ("qwerty", False),
        ("zzyzx", False),
        ("smithq", False),
    ],
)
def test_pronounceable_on_hand_picked_words_with_the_census_triples(word, expected):
    assert pronounceable(word, spelling_check().triples) is expected


def test_real_names_pass_the_pronounceability_test_and_random_strings_fail_it():
    words, check = lesson_words(), spelling_check()
    assert pronounceable_share(words.train, check.triples) == 1.0  # the test is made of them
    assert check.real == pronounceable_share(words.validation, check.triples)
    assert check.real >= 0.95  # names the test was not made from
    assert pronounceable_share(words.test, check.triples) >= 0.95
    assert check.random <= 0.15
    assert pronounceable_share(random_words(words.train, 500, seed=7), check.triples) <= 0.15


def test_random_words_have_real_names_lengths_and_only_letters():
    randoms = random_words(["ab", "abcdef"], 200, seed=0)
    assert {len(word) for word in randoms} == {2, 6}
    assert all(word.isalpha() and word.islower() for word in randoms)
    assert random_words(["ab", "abcdef"], 200, seed=0) == randoms
    with pytest.raises(ValueError, match="n"):
        random_words(["ab"], 0)


# -- counting ----------------------------------------------------------------------------
@pytest.fixture
def lesson():
    made = []

    def make(**settings):
        view = NameMaker(**settings)
        made.append(view)
        assert view.model.wait_counted(WAIT)
        return view

    yield make
    for view in made:
        view.close()


def test_counting_shows_every_order_and_that_long_contexts_do_worse(lesson):
    view = lesson()
    model = view.model
    assert model.count_status == "counted"
    assert [r.order for r in model.ngrams] == [1, 2, 3, 4, 5, 6]
    best = model.best_ngram
    assert best.order == 4 and best.validation_loss == pytest.approx(2.222, abs=0.001)
    assert model.ngrams[-1].validation_loss > best.validation_loss + 0.2
    table = view._table.value
    assert table.count("<tr") == 7 and "2.222" in table and "2.452" in table
    for names in model.ngram_names.values():
        assert len(names) == 6 and all(name[:16] in table for name in names)
    assert "(empty)" in table  # the unigram ends names before their first letter
    long = max((n for names in model.ngram_names.values() for n in names), key=len)
    assert len(long) > 16 and long not in table and f"{long[:16]}…" in table
    assert "4-gram" in view._counting.value and "6-gram" in view._counting.value
    assert model.rare == pytest.approx((0.299, 0.120), abs=0.001)
    assert "<b>30%</b> of the characters" in view._counting.value
    assert "fewer than 5 times" in view._counting.value and "12%, never" in view._counting.value
    assert view._bigram_line.visible and view._bigram_line.y[0] == pytest.approx(2.566, abs=1e-3)
    assert view._best_line.y[0] == pytest.approx(best.validation_loss)


# -- training ----------------------------------------------------------------------------
def assert_sentences(html: str) -> None:
    """The status line reads as sentences: each ends with one full stop (or an ellipsis),
    never two, and none ends on a colon."""
    plain = re.sub(r"<[^>]+>", "", html).strip()
    assert plain.endswith((".", "\u2026")), plain
    assert not re.search(r"\.\.|:\.|\u2026\.", plain), plain


def test_the_status_line_before_play_is_one_sentence(lesson):
    view = lesson(max_seconds=4, width=64)
    plain = re.sub(r"<[^>]+>", "", view._status.value).strip()
    assert plain == "Press Play to train the network."


def test_play_trains_live_and_passes_the_bigram(lesson):
    view = lesson(max_seconds=4, width=64)
    model = view.model
    assert model.quiz() is None and "Train the network first" in view.quiz._endings.value
    view._play.click()
    assert model.wait(WAIT)
    assert model.status == "done"
    assert len(model.steps) >= 5 and model.steps == sorted(model.steps)
    assert np.array_equal(view._curves.x, model.steps)
    assert view._curves.y.shape == (2, len(model.steps))
    assert model.validation_losses[-1] < model.validation_losses[0]
    assert model.bigram_seconds is not None and model.bigram_seconds < 4
    assert model.final_loss < model.bigram_loss
    np.testing.assert_allclose(view._letters.x, model.embedding[:, 0])
    assert np.ptp(view._letters.x) > 0
    assert len(model.samples) == 10 and model.samples[0] in view._names.value
    status = view._status.value
    assert "Done" in status and "below the bigram" in status and f"{model.final_loss:.3f}" in status
    assert_sentences(status)
    assert 0 < model.new_share(50) <= 1
    shares, spelling = model.shares, model.spelling
    assert shares.n == 200 and 0 < shares.new <= 1 and 0 < shares.pronounceable <= 1
    names = view._names.value
    assert f"Of 200 names it makes now, <b>{shares.new:.0%}</b> are new" in names
    assert f"<b>{shares.pronounceable:.0%}</b> pass the pronounceability test" in names
    assert f"never saw pass it {spelling.real:.0%} of the time" in names
    assert f"random strings of letters, {spelling.random:.0%}." in names
    # For the last third of the run the learning rate is a tenth of the slider's.
    assert model.slowed_at == pytest.approx(4 * 2 / 3, abs=0.5)
    assert "learning rate divided by 10" in status


def test_a_changed_setting_trains_a_new_network_and_cancels_the_old(lesson):
    view = lesson(max_seconds=60, width=32)
    model = view.model
    model.play()
    while not model.steps:
        model.wait(0.05)
    first = model.run_id
    view._controls["context"].value = 3
    view._controls["layers"].value = 0
    while model.run_id < first + 1 or model.network.input_shape != (3,):
        model.wait(0.05)
    model.pause()
    assert model.wait(WAIT)
    assert model.status == "stopped"
    assert model.network.input_shape == (3,)
    assert [type(layer).__name__ for layer in model.network.layers] == [
        "Embedding",
        "Flatten",
        "Dense",
    ]
    assert "Paused" in view._status.value and view._pause.disabled
    assert_sentences(view._status.value)
    assert view.quiz._activations.children == ()  # no hidden layer to show


def test_settings_out_of_range_are_refused_with_their_name():
    with pytest.raises(t.TraitError, match="context"):
        NameMakerModel(context=9)
    model = NameMakerModel(max_seconds=1)
    try:
        with pytest.raises(t.TraitError, match="layers"):
            model.layers = 5
        with pytest.raises(ValueError, match="max_seconds"):
            NameMakerModel(max_seconds=0)
    finally:
        model.close()


# -- the quiz ------------------------------------------------------------------------------
def test_quiz_shows_the_next_character_and_endings(lesson):
    view = lesson(max_seconds=2, width=32)
    view.model.play()
    assert view.model.wait(WAIT)
    quiz = view.quiz
    quiz._box.value = "Mc"
    assert view.model.beginning == "mc"
    bars = np.asarray(quiz._bars.y)
    assert bars.shape == (27,) and bars.sum() == pytest.approx(1.0)
    assert "After <b>mc</b>" in quiz._endings.value
    probabilities, greedy, drawn, activations = view.model.quiz()
    assert greedy.startswith("mc") and all(word.startswith("mc") for word in drawn)
    assert greedy in quiz._endings.value
    # Both hidden layers of 32 neurons, as rows of the heatmap.
    assert [len(values) for values in activations] == [32, 32]
    np.testing.assert_allclose(quiz._cells.color, np.concatenate(activations))
    assert list(quiz._cells.y) == [1] * 32 + [2] * 32
    assert quiz._activations.children == (quiz._activations_figure,)
    quiz._box.value = "m3"
    assert view.model.beginning == "mc" and "letters a to z" in quiz._message.value


# -- the depth x context sweep ---------------------------------------------------------------
def test_context_sweep_fills_its_heatmap_and_names_the_lowest():
    from dllab.lessons import ContextDepthSweep

    view = ContextDepthSweep(depths=(0, 1), contexts=(1, 3), seconds=0.5, width=16)
    try:
        assert "Press Run: 4 networks" in view._progress.value
        view._run.click()
        assert view.model.runner.wait(WAIT)
        model = view.model
        assert model.status == "done" and model.n_done == 4
        assert np.isfinite(model.losses).all()
        # Three characters of context beat one, with or without a hidden layer.
        assert (model.losses[:, 1] < model.losses[:, 0]).all()
        np.testing.assert_allclose(view._cells.color, model.losses)
        assert sorted(view._numbers.text) == sorted(f"{v:.2f}" for v in model.losses.ravel())
        assert "Lowest:" in view._progress.value and "2.222" in view._progress.value
    finally:
        view.close()


def test_context_sweep_can_be_cancelled_and_refuses_a_one_row_grid():
    from dllab.lessons import ContextSweepModel

    model = ContextSweepModel(depths=(0, 1), contexts=(1, 2), seconds=30, width=16)
    try:
        model.runner.request()
        while model.status != "running":
            model.runner.wait(0.05)
        model.runner.cancel()
        assert model.runner.wait(WAIT)
        assert model.status == "cancelled" and model.n_done < 4
    finally:
        model.runner.close()
    with pytest.raises(ValueError, match="depths"):
        ContextSweepModel(depths=(1,))
    with pytest.raises(ValueError, match="contexts"):
        ContextSweepModel(contexts=(9, 1))
