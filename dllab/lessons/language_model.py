"""The model of the language lesson: count n-grams of the census surnames, then train a
next-character network on them live, and quiz it. No widget here: `NameMaker` (in
`dllab.lessons.language`) is its view.

Two Runners: one counts the n-grams when the model is made (once per process: the result
is cached), one trains the network. A change of a setting starts a new run and cancels
the old one.
"""

from __future__ import annotations

import functools
import time
from typing import Any, NamedTuple

import numpy as np
import traitlets as t

from ..core.charmodel import char_model, char_split, next_probabilities, sample
from ..core.checks import check_float, check_int
from ..core.data import Split
from ..core.language import (
    greedy_ending,
    hidden_activations,
    letter_triples,
    new_share,
    principal_axes,
    pronounceable_share,
    random_words,
    rare_contexts,
)
from ..core.ngram import OrderResult, sweep_orders
from ..core.optimizers import check_learning_rate
from ..core.text import END, LETTERS, WordSplit, load_names, split_words
from ..core.training import Trainer
from ..ui import Runner

STATUSES = ("ready", "training", "done", "stopped", "error")
COUNT_STATUSES = ("counting", "counted", "error")
ORDERS = tuple(range(1, 7))
SETTINGS = ("context", "dim", "layers", "width", "learning_rate")
RANGES = {"context": (1, 8), "dim": (2, 32), "layers": (0, 4), "width": (8, 512)}
FRAME_INTERVAL = 0.2  # seconds between frames: at most 5 a second
SAMPLE_EVERY = 10  # frames between new sampled names
N_SAMPLES = 10  # names shown
N_MEASURED = 200  # names sampled to measure the shares of new and pronounceable ones
N_RANDOM = 2000  # random strings of letters the pronounceability test is checked on
N_ENDINGS = 5
QUIZ_TEMPERATURE = 0.5
TRAIN_SUBSET = 2000  # training pairs scored each frame
VALIDATION_SUBSET = 4000  # validation pairs scored each frame
BATCH_SIZE = 256
SLOW_DOWN = 2 / 3  # share of max_seconds after which the learning rate is cut
SLOW_FACTOR = 10  # ... by this factor (makemore's step decay)
MAX_BEGINNING = 20
RARE = 5  # a context seen fewer times than this in training is rare
ALLOWED = "abcdefghijklmnopqrstuvwxyz"


@functools.lru_cache(maxsize=1)
def lesson_words() -> WordSplit:
    """The census surnames, shuffled and cut into training, validation and test names."""
    return split_words(load_names("surnames"), seed=0)


@functools.lru_cache(maxsize=1)
def known_names() -> frozenset[str]:
    return frozenset(lesson_words().train)


class SpellingCheck(NamedTuple):
    """The pronounceability test (`dllab.core.language.pronounceable`) made from the
    training names, and the shares of real and of random names that pass it."""

    triples: frozenset[str]  # every three letters in a row of the training names
    real: float  # share of the validation names that pass
    random: float  # share of random strings of letters, of names' lengths, that pass


@functools.lru_cache(maxsize=1)
def spelling_check() -> SpellingCheck:
    words = lesson_words()
    triples = letter_triples(words.train)
    randoms = random_words(words.train, N_RANDOM, seed=0)
    return SpellingCheck(
        triples,
        pronounceable_share(words.validation, triples),
        pronounceable_share(randoms, triples),
    )


class SampleShares(NamedTuple):
    """Of `n` names sampled from the network: the share not in the training list, and
    the share that pass the pronounceability test."""

    n: int
    new: float
    pronounceable: float


@functools.lru_cache(maxsize=1)
def counted() -> tuple[tuple[OrderResult, ...], dict[int, tuple[str, ...]], tuple[float, float]]:
    """The n-gram models of orders 1 to 6 with their best smoothing, names sampled from
    each, and for the longest: the shares of validation characters whose context was seen
    fewer than RARE times in training, and never. Computed once per process (a room's
    kernels each count once)."""
    words = lesson_words()
    results = tuple(sweep_orders(words.train, words.validation, ORDERS))
    names = {result.order: result.model.sample(6, seed=0) for result in results}
    rare = rare_contexts(words.train, words.validation, ORDERS[-1] - 1, RARE)
    return results, names, rare


@functools.lru_cache(maxsize=2)
def lesson_data(context: int) -> Split:
    """(context, next character) pairs: training names to train on, validation to score."""
    words = lesson_words()
    return char_split(words.train, words.validation, context)


class Answer(NamedTuple):
    """What the network says after a beginning."""

    probabilities: np.ndarray  # (27,): the end mark, then a to z
    greedy: str  # the likeliest letter each time
    drawn: list[str]  # endings drawn at QUIZ_TEMPERATURE, without repeats
    activations: list[np.ndarray]  # each hidden layer's outputs


def _refuse(check, *args):
    try:
        return check(*args)
    except (TypeError, ValueError) as error:
        raise t.TraitError(str(error)) from None


class NameMakerModel(t.HasTraits):
    """Counting models and a live-trained next-character network on census surnames.

    Settings (traits): context (1-8 characters), dim (embedding size 2-32), layers (0-4
    hidden layers), width (neurons per layer 8-512), learning_rate (Adam's). `play()`
    trains for at most `max_seconds`; `pause()` stops; a changed setting starts a new run.
    `beginning`: the start of a name to quiz the network with.
    """

    context = t.Int(6)
    dim = t.Int(16)
    layers = t.Int(2)
    width = t.Int(256)
    learning_rate = t.Float(0.003)
    beginning = t.Unicode("")
    status = t.Enum(STATUSES, default_value="ready")
    count_status = t.Enum(COUNT_STATUSES, default_value="counting")
    message = t.Unicode("")
    frame = t.Int(0)  # one more each time the curves, the embeddings or the names change
    run_id = t.Int(0)  # one more at each new run (empty curves)

    def __init__(self, max_seconds: float = 180.0, seed: int = 0, **settings: Any) -> None:
        self.max_seconds = check_float("max_seconds", max_seconds, 0.0, 3600.0, low_open=True)
        self.seed = check_int("seed", seed, 0)
        self.ngrams: tuple[OrderResult, ...] = ()
        self.ngram_names: dict[int, tuple[str, ...]] = {}
        self.spelling: SpellingCheck | None = None  # once counted
        self.rare = (0.0, 0.0)  # the longest order's rare and unseen contexts (shares)
        self.network = None
        self._clear()
        self._counter = Runner(self._count, self._count_failed, name="dllab-ngrams")
        self._trainer = Runner(self._train, self._failed, name="dllab-names")
        super().__init__(**settings)
        self.observe(self._setting_changed, names=list(SETTINGS))
        self._counter.request()

    # -- settings ---------------------------------------------------------------------------
    @t.validate(*RANGES)
    def _check_size(self, proposal):
        name = proposal.trait.name
        return _refuse(check_int, name, proposal.value, *RANGES[name])

    @t.validate("learning_rate")
    def _check_rate(self, proposal):
        return _refuse(check_learning_rate, proposal.value)

    @t.validate("beginning")
    def _check_beginning(self, proposal):
        text = proposal.value
        if not isinstance(text, str):
            raise t.TraitError(f"beginning must be text; got {text!r}")
        text = text.strip().lower()
        if len(text) > MAX_BEGINNING or any(letter not in ALLOWED for letter in text):
            raise t.TraitError(
                f"beginning={proposal.value!r}: type up to {MAX_BEGINNING} letters a to z"
            )
        return text

    def _setting_changed(self, change) -> None:
        self.play()

    # -- the counting models ----------------------------------------------------------------
    @property
    def best_ngram(self) -> OrderResult | None:
        return min(self.ngrams, key=lambda r: r.validation_loss) if self.ngrams else None

    @property
    def bigram_loss(self) -> float | None:
        return next((r.validation_loss for r in self.ngrams if r.order == 2), None)

    def wait_counted(self, timeout: float | None = None) -> bool:
        return self._counter.wait(timeout)

    def _count(self, should_stop) -> None:
        self.ngrams, self.ngram_names, self.rare = counted()
        known_names()
        self.spelling = spelling_check()
        self.count_status = "counted"

    def _count_failed(self, error: Exception) -> None:
        self.message = f"counting the n-grams failed: {error}"
        self.count_status = "error"

    # -- training ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._trainer.running

    def play(self) -> None:
        """Train a new network with the current settings (cancelling a run under way)."""
        self._trainer.cancel()
        self._trainer.request()

    def pause(self) -> None:
        self._trainer.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        return self._trainer.wait(timeout)

    def close(self) -> None:
        self._trainer.close()
        self._counter.close()

    def _clear(self) -> None:
        self.steps: list[int] = []
        self.seconds: list[float] = []
        self.train_losses: list[float] = []
        self.validation_losses: list[float] = []
        self.samples: list[str] = []
        self.shares: SampleShares | None = None  # of N_MEASURED names drawn with `samples`
        self.embedding = np.zeros((LETTERS.size, 2))
        self.bigram_seconds: float | None = None  # when the validation line passed the bigram's
        self.final_loss: float | None = None  # on every validation name, at the end
        self.trained_seconds = 0.0
        self.slowed_at: float | None = None  # when the learning rate was cut

    def _train(self, should_stop) -> None:
        settings = {name: getattr(self, name) for name in SETTINGS}
        self.status, self.message = "training", ""
        self._clear()
        self.run_id += 1
        data = lesson_data(settings["context"])
        widths = [settings["width"]] * settings["layers"]
        network = char_model(
            settings["context"], settings["dim"], widths, seed=self.seed, dtype="float32"
        )
        trainer = Trainer(
            network,
            data,
            learning_rate=settings["learning_rate"],
            batch_size=BATCH_SIZE,
            optimizer="adam",
            seed=self.seed,
        )
        self.network = network
        rng = np.random.default_rng(self.seed)
        train_rows = rng.choice(len(data.y_train), TRAIN_SUBSET, replace=False)
        scored = (
            (data.X_train[train_rows], data.y_train[train_rows]),
            (data.X_test[:VALIDATION_SUBSET], data.y_test[:VALIDATION_SUBSET]),
        )
        start = time.monotonic()
        self._frame(network, trainer.steps, 0.0, scored)
        last = time.monotonic()
        while not should_stop():
            if not trainer.step():
                self.message = "The loss became infinite: try a smaller learning rate."
                self.status = "error"
                return
            now = time.monotonic()
            if self.slowed_at is None and now - start >= SLOW_DOWN * self.max_seconds:
                trainer.optimizer.learning_rate = settings["learning_rate"] / SLOW_FACTOR
                self.slowed_at = now - start
            if now - last >= FRAME_INTERVAL:
                self._frame(network, trainer.steps, now - start, scored)
                last = time.monotonic()
            if now - start >= self.max_seconds:
                break
        self.trained_seconds = time.monotonic() - start
        self.final_loss = float(network.loss(data.X_test, data.y_test))
        self._sample(network, seed=self.frame)
        self.status = "stopped" if should_stop() else "done"
        self.frame += 1

    def _frame(self, network, steps: int, seconds: float, scored) -> None:
        (X_train, y_train), (X_valid, y_valid) = scored
        validation = float(network.loss(X_valid, y_valid))
        bigram = self.bigram_loss
        if self.bigram_seconds is None and bigram is not None and validation < bigram:
            self.bigram_seconds = seconds
        self.steps.append(steps)
        self.seconds.append(seconds)
        self.train_losses.append(float(network.loss(X_train, y_train)))
        self.validation_losses.append(validation)
        self.embedding = principal_axes(network.weights[0][: LETTERS.size])
        if len(self.steps) % SAMPLE_EVERY == 1:
            self._sample(network, seed=len(self.steps))
        self.frame += 1

    def _sample(self, network, seed: int) -> None:
        """Draw N_MEASURED names: show the first N_SAMPLES, measure the shares on all
        (the pronounceable share once the counting has made the test)."""
        names = sample(network, N_MEASURED, seed=seed)
        self.samples = names[:N_SAMPLES]
        spelling = self.spelling
        if spelling is not None:
            self.shares = SampleShares(
                len(names),
                new_share(names, known_names()),
                pronounceable_share(names, spelling.triples),
            )

    def _failed(self, error: Exception) -> None:
        self.message = f"training failed: {error}"
        self.status = "error"

    # -- reading the network ----------------------------------------------------------------
    def new_share(self, n: int = 200, seed: int = 1) -> float:
        """The share of `n` names sampled from the network that are not training names."""
        if self.network is None:
            raise RuntimeError("no network yet: play() first")
        return new_share(sample(self.network, n, seed=seed), known_names())

    def quiz(self) -> Answer | None:
        """For `beginning`: the next character's probabilities (index 0 the end mark), the
        greedy ending, a few endings sampled at low temperature and the hidden layers'
        activations; None before training."""
        network = self.network
        if network is None:
            return None
        beginning = self.beginning
        probabilities = next_probabilities(network, beginning)
        greedy = greedy_ending(network, beginning)
        drawn = sample(
            network, N_ENDINGS, seed=0, temperature=QUIZ_TEMPERATURE, beginning=beginning
        )
        activations = hidden_activations(network, beginning)
        return Answer(probabilities, greedy, list(dict.fromkeys(drawn)), activations)


SYMBOLS = tuple(END + ALLOWED)
