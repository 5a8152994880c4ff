"""Count-based character models (n-grams): the traditional baseline a neural model must beat.

An n-gram model of order n predicts each character from the n - 1 before it, as makemore's
bigram (order 2) does from one: count every (context, next character) pair in the training
words, then

    P(next | context) = (count(context, next) + k) / (count(context) + k * alphabet.size)

with add-k smoothing (k > 0) so that a pair never seen keeps a small probability. The loss
is the mean negative log-probability per character in nats, the end mark of each word
included, as in makemore. Longer contexts fit the training words better but see most
contexts of new words rarely or never: on held-out words the loss falls, then rises again
with the order. That is why a model that generalises across similar contexts is needed.

Counts are kept sparse (the sorted distinct n-grams and their counts), so orders 1 to
MAX_ORDER all work; `counts_table()` gives the dense table of shape (alphabet.size,) * order
where it has at most MAX_TABLE_ENTRIES entries (orders 1 to 4 for a-z).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .checks import check_float, check_int, check_rng
from .text import (
    LETTERS,
    Alphabet,
    check_alphabet,
    check_word_sequence,
    context_windows,
    encode_checked,
)

MAX_ORDER = 10
MAX_TABLE_ENTRIES = 1_000_000
MAX_SAMPLES = 100_000
DEFAULT_MAX_LENGTH = 50  # sampled words longer than this are cut
MAX_TEMPERATURE = 10.0
# Add-k smoothing values tried on the validation words, log-spaced from much to little.
SMOOTHING_CANDIDATES = (3.0, 1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)


class NGramModel:
    """A character n-gram model with add-k smoothing, fitted by counting.

    order : 1 (letter frequencies) to MAX_ORDER; the context is the order - 1 characters
        before the one predicted, with end marks "." before the start of a word.
    smoothing : k > 0 added to every count.
    alphabet : the symbols predicted (the end mark, then the letters; a-z by default).

    For example: `model = NGramModel(order=3, smoothing=0.1).fit(split.train)`, then
    `model.loss(split.validation)` (nats per character) and `model.sample(10, seed=0)`.
    """

    def __init__(
        self, order: int = 2, smoothing: float = 1.0, alphabet: Alphabet = LETTERS
    ) -> None:
        self.order = check_int("order", order, 1, MAX_ORDER)
        self.smoothing = _check_smoothing(smoothing)
        self.alphabet = check_alphabet(alphabet)
        if self.alphabet.size**self.order >= 2**62:
            raise ValueError(
                f"order={order} is too high for an alphabet of {self.alphabet.size} symbols: "
                "its n-grams cannot be numbered in 64 bits; choose a lower order"
            )
        self.n_words = 0
        self.n_characters = 0  # training characters, end marks included
        self.fit_seconds = 0.0
        self._pair_keys: NDArray[np.int64] | None = None
        self._pair_counts = np.zeros(0, dtype=np.int64)
        self._context_keys = np.zeros(0, dtype=np.int64)
        self._context_counts = np.zeros(0, dtype=np.int64)

    @property
    def context_size(self) -> int:
        """Number of characters the model looks back: order - 1."""
        return self.order - 1

    @property
    def n_ngrams(self) -> int:
        """Number of distinct n-grams (context and next character) seen in training."""
        return len(self._fitted_keys())

    def __repr__(self) -> str:
        fitted = f", fitted on {self.n_words:,} words" if self._pair_keys is not None else ""
        return f"NGramModel(order={self.order}, smoothing={self.smoothing:g}{fitted})"

    def fit(self, words: Sequence[str]) -> NGramModel:
        """Count every n-gram of `words` (replacing earlier counts); returns the model."""
        return self._fit(words, "words")

    def _fit(self, words: Sequence[str], name: str) -> NGramModel:
        started = time.perf_counter()
        contexts, next_characters = self._context_ids(words, name)
        pair_keys = contexts * self.alphabet.size + next_characters
        self._pair_keys, self._pair_counts = np.unique(pair_keys, return_counts=True)
        self._context_keys, self._context_counts = np.unique(contexts, return_counts=True)
        self.n_words = len(words)  # checked by _context_ids
        self.n_characters = len(next_characters)
        self.fit_seconds = time.perf_counter() - started
        return self

    def with_smoothing(self, smoothing: float) -> NGramModel:
        """The same counts with another add-k smoothing (no recounting)."""
        self._fitted_keys()
        model = copy.copy(self)  # shares the count arrays, which are never changed in place
        model.smoothing = _check_smoothing(smoothing)
        return model

    def counts_table(self) -> NDArray[np.int64]:
        """The counts as a dense table: shape (alphabet.size,) * order, indexed
        [context characters..., next character], as makemore's N[ix1, ix2]."""
        keys = self._fitted_keys()
        size = self.alphabet.size**self.order
        if size > MAX_TABLE_ENTRIES:
            raise ValueError(
                f"order={self.order} has a table of {size:,} entries, more than "
                f"MAX_TABLE_ENTRIES={MAX_TABLE_ENTRIES:,}; look up probabilities(context) "
                "instead, or use a lower order"
            )
        table = np.zeros(size, dtype=np.int64)
        table[keys] = self._pair_counts
        return table.reshape((self.alphabet.size,) * self.order)

    def probabilities(self, context: str = "") -> NDArray[np.float64]:
        """P(next symbol | the word so far): shape (alphabet.size,), index 0 the end mark.

        context : the start of a word, letters only ("" for its first letter); only its
            last order - 1 letters matter, with end marks before the word's start.
        """
        self._fitted_keys()
        if not isinstance(context, str):
            raise TypeError(f"context must be a string of letters; got {context!r}")
        codes = encode_checked(context.lower(), self.alphabet, f"context={context!r}")
        padded = np.concatenate((np.zeros(self.context_size, dtype=np.int64), codes))
        recent = padded[len(padded) - self.context_size :]
        return self._probability_rows(self._ids_of(recent[None, :]))[0]

    def loss(self, words: Sequence[str]) -> float:
        """Mean negative log-probability per character of `words` in nats, end marks
        included (a word of L letters counts L + 1 characters)."""
        self._fitted_keys()
        pair_counts, context_counts = self._counts_for(words)
        return float(_mean_loss(pair_counts, context_counts, self.smoothing, self.alphabet.size))

    def sample(
        self,
        n_words: int,
        seed: int | np.random.Generator = 0,
        temperature: float = 1.0,
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> tuple[str, ...]:
        """`n_words` new words drawn one character at a time until the end mark.

        temperature : divides the log-probabilities before drawing: 1 samples the model
            as it is, below 1 favours likely characters, above 1 flattens the choice.
        max_length : words not ended after this many letters are cut there.
        A word may be empty: the model drew the end mark first. Same seed, same words.
        """
        self._fitted_keys()
        n_words = check_int("n_words", n_words, 1, MAX_SAMPLES)
        temperature = check_float("temperature", temperature, 0.0, MAX_TEMPERATURE, low_open=True)
        max_length = check_int("max_length", max_length, 1, 1000)
        rng = check_rng("seed", seed)
        contexts = np.zeros((n_words, self.context_size), dtype=np.int64)
        letters = np.zeros((n_words, max_length), dtype=np.int64)
        lengths = np.full(n_words, max_length)
        running = np.ones(n_words, dtype=bool)
        for position in range(max_length):
            probabilities = self._probability_rows(self._ids_of(contexts))
            if temperature != 1.0:
                logits = np.log(probabilities) / temperature
                probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
                probabilities /= probabilities.sum(axis=1, keepdims=True)
            drawn = _draw(probabilities, rng)
            ended = running & (drawn == 0)
            lengths[ended] = position
            running &= ~ended
            if not running.any():
                break
            letters[:, position] = drawn
            if self.context_size:
                contexts = np.concatenate((contexts[:, 1:], drawn[:, None]), axis=1)
        symbols = np.array(list(self.alphabet.symbols))
        return tuple("".join(symbols[row[:length]]) for row, length in zip(letters, lengths))

    def _fitted_keys(self) -> NDArray[np.int64]:
        if self._pair_keys is None:
            raise RuntimeError(f"this {self!r} has no counts yet: call fit(training_words) first")
        return self._pair_keys

    def _ids_of(self, contexts: NDArray[np.int64]) -> NDArray[np.int64]:
        """Context (n, order - 1) of alphabet indices -> one number each, in base size."""
        powers = self.alphabet.size ** np.arange(self.context_size - 1, -1, -1, dtype=np.int64)
        return contexts @ powers if self.context_size else np.zeros(len(contexts), np.int64)

    def _context_ids(
        self, words: Sequence[str], name: str
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Context ids and next-character indices of every character of `words`; errors
        name the argument `name` rather than "words"."""
        try:
            X, y = context_windows(check_word_sequence(words), self.context_size, self.alphabet)
        except (TypeError, ValueError) as error:
            raise type(error)(str(error).replace("words", name, 1)) from None
        return self._ids_of(X), y

    def _counts_for(
        self, words: Sequence[str], name: str = "words"
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """For each character of `words`: training count of its n-gram and of its context."""
        contexts, next_characters = self._context_ids(words, name)
        pair_keys = contexts * self.alphabet.size + next_characters
        return (
            _lookup(self._fitted_keys(), self._pair_counts, pair_keys),
            _lookup(self._context_keys, self._context_counts, contexts),
        )

    def _probability_rows(self, context_ids: NDArray[np.int64]) -> NDArray[np.float64]:
        """P(next | context) for each context id: shape (n_contexts, alphabet.size)."""
        size = self.alphabet.size
        pair_keys = context_ids[:, None] * size + np.arange(size)
        pair_counts = _lookup(self._fitted_keys(), self._pair_counts, pair_keys)
        context_counts = _lookup(self._context_keys, self._context_counts, context_ids)
        k = self.smoothing
        return (pair_counts + k) / (context_counts[:, None] + k * size)


class SmoothingSearch(NamedTuple):
    """The add-k chosen on validation words, and the validation loss of each k tried."""

    model: NGramModel
    smoothing: float
    validation_losses: dict[float, float]


class OrderResult(NamedTuple):
    """One order of `sweep_orders`: its best add-k and losses (nats per character)."""

    order: int
    smoothing: float
    train_loss: float
    validation_loss: float
    fit_seconds: float
    model: NGramModel


def best_smoothing(
    order: int,
    train: Sequence[str],
    validation: Sequence[str],
    candidates: Iterable[float] = SMOOTHING_CANDIDATES,
    alphabet: Alphabet = LETTERS,
) -> SmoothingSearch:
    """Fit an n-gram of `order` on `train` and keep the add-k of lowest validation loss.

    Counts once, then scores every candidate k on the validation words; on a tie the
    earlier candidate wins.
    """
    candidates = _check_candidates(candidates)
    model = NGramModel(order, candidates[0], alphabet)._fit(train, "train")
    pair_counts, context_counts = model._counts_for(validation, "validation")
    losses = {
        k: float(_mean_loss(pair_counts, context_counts, k, model.alphabet.size))
        for k in candidates
    }
    chosen = min(candidates, key=losses.__getitem__)
    return SmoothingSearch(model.with_smoothing(chosen), chosen, losses)


def sweep_orders(
    train: Sequence[str],
    validation: Sequence[str],
    orders: Iterable[int] = range(1, 7),
    candidates: Iterable[float] = SMOOTHING_CANDIDATES,
    alphabet: Alphabet = LETTERS,
) -> list[OrderResult]:
    """For each order: the best add-k on `validation`, and the training and validation
    losses with it. The validation loss falls, then rises as contexts get too rare."""
    orders = [check_int("orders", order, 1, MAX_ORDER) for order in orders]
    if not orders:
        raise ValueError(f"orders is empty: give orders from 1 to {MAX_ORDER}, e.g. range(1, 7)")
    results = []
    for order in orders:
        search = best_smoothing(order, train, validation, candidates, alphabet)
        results.append(
            OrderResult(
                order=order,
                smoothing=search.smoothing,
                train_loss=search.model.loss(train),
                validation_loss=search.validation_losses[search.smoothing],
                fit_seconds=search.model.fit_seconds,
                model=search.model,
            )
        )
    return results


def _mean_loss(
    pair_counts: NDArray[np.int64], context_counts: NDArray[np.int64], k: float, size: int
) -> np.float64:
    return -np.mean(np.log((pair_counts + k) / (context_counts + k * size)))


def _lookup(
    keys: NDArray[np.int64], counts: NDArray[np.int64], queries: NDArray[np.int64]
) -> NDArray[np.int64]:
    """counts[i] where keys[i] == query, 0 for a query not in the sorted `keys`."""
    positions = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[positions] == queries, counts[positions], 0)


def _draw(probabilities: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int64]:
    """One index per row of `probabilities` (n, size), drawn by inverting the CDF."""
    cumulative = np.cumsum(probabilities, axis=1)
    uniform = rng.random(len(probabilities)) * cumulative[:, -1]
    drawn = (cumulative <= uniform[:, None]).sum(axis=1)
    return np.minimum(drawn, probabilities.shape[1] - 1)


def _check_smoothing(smoothing: Any) -> float:
    return check_float("smoothing", smoothing, 0.0, None, low_open=True)


def _check_candidates(candidates: Any) -> tuple[float, ...]:
    if isinstance(candidates, str) or not isinstance(candidates, Iterable):
        raise TypeError(f"candidates must be a list of add-k values above 0; got {candidates!r}")
    values = tuple(
        check_float(f"candidates[{index}]", k, 0.0, None, low_open=True)
        for index, k in enumerate(candidates)
    )
    if not values:
        raise ValueError(
            f"candidates is empty: give add-k values above 0, e.g. {SMOOTHING_CANDIDATES}"
        )
    return values
