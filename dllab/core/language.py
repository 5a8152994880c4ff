"""Pure helpers of the language-model lesson: the characters' embeddings on their first
two principal axes, the most likely ending of a beginning, how many sampled names are
new, and how many are spelled like real names.

    network = char_model(context=6, dim=16, hidden=[256, 256])
    principal_axes(network.weights[0])      # (27, 2): one point per symbol
    greedy_ending(network, "mc")            # "mcc..." the likeliest letter each time
    new_share(["smith", "zorb"], {"smith"})  # 0.5
    triples = letter_triples(["maria", "carlo"])
    pronounceable("marlo", triples)          # True: "..m" ".ma" "mar" "arl" "rlo" "lo."
    pronounceable_share(["caria", "mxrlo"], triples)  # 0.5: "mxr" is in no name
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
from numpy.typing import NDArray

from .charmodel import check_model, context_of, next_probabilities
from .checks import check_int, check_rng
from .layer_specs import Activation
from .layered import LayerNetwork
from .text import END, LETTERS, LETTERS_A_TO_Z, Alphabet, check_word_sequence, context_windows

MAX_ENDING = 30


def principal_axes(vectors: NDArray) -> NDArray[np.float64]:
    """The rows of `vectors` (n, dim) projected on their first two principal axes: (n, 2).

    Centred, then projected on the two right singular vectors of largest singular value;
    each axis's sign is fixed so that its largest coordinate is positive (the picture does
    not flip from one frame to the next). A single dimension gives zeros as the second axis.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or len(vectors) < 2:
        raise ValueError(
            f"vectors must be a 2-D array of at least two rows; got shape {vectors.shape}"
        )
    if not np.isfinite(vectors).all():
        raise ValueError("vectors must be finite; got NaN or infinite values")
    centred = vectors - vectors.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    points = np.zeros((len(vectors), 2))
    n_axes = min(2, axes.shape[0])
    points[:, :n_axes] = centred @ axes[:n_axes].T
    for column in range(n_axes):
        if points[np.argmax(np.abs(points[:, column])), column] < 0:
            points[:, column] *= -1
    return points


def greedy_ending(
    network: LayerNetwork,
    beginning: str = "",
    alphabet: Alphabet = LETTERS,
    max_length: int = MAX_ENDING,
) -> str:
    """`beginning` followed by the likeliest character each time, until the likeliest is
    the end mark or the word reaches `max_length` characters."""
    max_length = check_int("max_length", max_length, 1, 200)
    word = beginning
    while len(word) < max_length:
        symbol = int(np.argmax(next_probabilities(network, word, alphabet)))
        if symbol == 0:
            break
        word += alphabet.symbols[symbol]
    return word


def new_share(words: Sequence[str], known: Collection[str]) -> float:
    """The share of `words` not in `known` (0 to 1); 0 for no words."""
    words = list(words)
    if not words:
        return 0.0
    return sum(word not in known for word in words) / len(words)


def _triples_of(word: str) -> list[str]:
    padded = f"{END}{END}{word}{END}"
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def letter_triples(words: Sequence[str]) -> frozenset[str]:
    """Every three characters in a row of `words`, each word read with two end marks
    before it and one after (so "smith" gives "..s", ".sm", "smi", "mit", "ith", "th.")."""
    words = check_word_sequence(words)
    return frozenset(triple for word in words for triple in _triples_of(word))


def pronounceable(word: str, triples: Collection[str]) -> bool:
    """The lesson's test of a made-up name: every three letters in a row of it, counting
    its start and its end (as `letter_triples` reads them), occur in some real name, i.e.
    are in `triples`. An empty name fails (no real name is empty)."""
    if not isinstance(word, str):
        raise TypeError(f"word must be a string; got {type(word).__name__}")
    return all(triple in triples for triple in _triples_of(word))


def pronounceable_share(words: Sequence[str], triples: Collection[str]) -> float:
    """The share of `words` that pass `pronounceable` (0 to 1); 0 for no words."""
    if isinstance(words, str | bytes):
        raise TypeError(f"words must be a list of words, not a single string; got {words!r:.60}")
    words = list(words)
    if not words:
        return 0.0
    return sum(pronounceable(word, triples) for word in words) / len(words)


def random_words(
    like: Sequence[str], n: int = 1000, seed: int | np.random.Generator = 0
) -> list[str]:
    """`n` strings of letters a to z drawn uniformly at random, each as long as a word
    drawn from `like` (random spellings of real names' lengths)."""
    like = check_word_sequence(like)
    n = check_int("n", n, 1, 1_000_000)
    rng = check_rng("seed", seed)
    lengths = rng.choice([len(word) for word in like], n)
    letters = np.array(list(LETTERS_A_TO_Z))
    return ["".join(rng.choice(letters, length)) for length in lengths]


def rare_contexts(
    train: Sequence[str], validation: Sequence[str], context: int, fewer_than: int = 5
) -> tuple[float, float]:
    """For the characters of `validation` words: the share whose `context` symbols before
    them occur fewer than `fewer_than` times in `train`, and the share never seen there
    (end marks before a word count as context, as an n-gram reads it)."""
    fewer_than = check_int("fewer_than", fewer_than, 1)
    X_train, _ = context_windows(train, context)
    X_valid, _ = context_windows(validation, context)
    places = LETTERS.size ** np.arange(context, dtype=np.int64)
    train_ids, counts = np.unique(X_train @ places, return_counts=True)
    valid_ids = X_valid @ places
    at = np.minimum(np.searchsorted(train_ids, valid_ids), len(train_ids) - 1)
    found = np.where(train_ids[at] == valid_ids, counts[at], 0)
    return float(np.mean(found < fewer_than)), float(np.mean(found == 0))


def hidden_activations(
    network: LayerNetwork, beginning: str = "", alphabet: Alphabet = LETTERS
) -> list[NDArray[np.float64]]:
    """Each hidden layer's output (after its activation) for the context of `beginning`:
    one 1-D array per hidden layer, none for a network without hidden layers."""
    alphabet = check_model(network, alphabet)
    context = context_of(beginning, network.input_shape[0], alphabet)
    run = network._run(context[None, :].astype(np.float64), reuse=False)
    return [
        np.asarray(out[0], dtype=np.float64)
        for layer, out in zip(network.layers, run.outputs)
        if isinstance(layer, Activation)
    ]
