"""A character language model from layers (Bengio et al. 2003, Karpathy's makemore part 2):
the last `context` characters -> their embeddings side by side -> dense layers -> softmax
over the alphabet. Its data, and sampling new words from it.

    words = split_words(load_names("first_names"), seed=0)
    network = char_model(context=3, dim=10, hidden=200)
    Trainer(network, char_split(words.train, words.validation, 3), batch_size=32,
            optimizer="adam", learning_rate=0.01).train(5)
    sample(network, 5, seed=0, temperature=0.8)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .checks import check_float, check_int, check_rng
from .data import Dataset, Split
from .layered import Dense, Embedding, Flatten, LayerNetwork, Tanh
from .text import END, LETTERS, Alphabet, check_alphabet, context_windows, encode_checked

MAX_SAMPLES = 100_000
MAX_WORD_LENGTH = 200


def char_model(
    context: int = 3,
    dim: int = 10,
    hidden: int | Sequence[int] = 200,
    alphabet: Alphabet = LETTERS,
    seed: int | np.random.Generator = 0,
    dtype: str = "float64",
) -> LayerNetwork:
    """`Embedding(alphabet.size, dim)`, `Flatten()`, then `Dense(width)`, `Tanh()` for each
    hidden width, and a softmax over the alphabet's symbols."""
    alphabet = check_alphabet(alphabet)
    widths = [hidden] if isinstance(hidden, int) else list(hidden)
    layers = [Embedding(alphabet.size, dim), Flatten()]
    for width in widths:
        layers += [Dense(width), Tanh()]
    return LayerNetwork(
        (context,), layers, head="softmax", n_outputs=alphabet.size, seed=seed, dtype=dtype
    )


def char_split(
    train_words: Sequence[str],
    test_words: Sequence[str],
    context: int,
    alphabet: Alphabet = LETTERS,
    name: str = "characters",
) -> Split:
    """The (context, next character) pairs of the words, as the Split a Trainer takes.

    Built directly, not through `from_arrays`, so that the classes are the alphabet's
    symbols whichever of them occur: class i is symbol i. The Dataset holds the indices as
    float64 (whole numbers, exact); the network's embedding reads them back as integers.
    """
    alphabet = check_alphabet(alphabet)
    X_train, y_train = context_windows(train_words, context, alphabet)
    X_test, y_test = context_windows(test_words, context, alphabet)
    dataset = Dataset(
        name=name,
        X=np.concatenate([X_train, X_test]).astype(np.float64),
        y=np.concatenate([y_train, y_test]),
        task="multiclass",
        classes=tuple(alphabet.symbols),
        input_names=tuple(f"character -{context - i}" for i in range(context)),
    )
    n_train = len(y_train)
    return Split(
        dataset=dataset,
        X_train=dataset.X[:n_train],
        y_train=dataset.y[:n_train],
        X_test=dataset.X[n_train:],
        y_test=dataset.y[n_train:],
        train_share=n_train / len(dataset.y),
    )


def next_probabilities(
    network: LayerNetwork,
    beginning: str = "",
    alphabet: Alphabet = LETTERS,
    temperature: float = 1.0,
) -> NDArray[np.float64]:
    """The probability of each symbol after `beginning` (symbol i: `alphabet.symbols[i]`,
    index 0 the end of the word): shape (alphabet.size,)."""
    alphabet = check_model(network, alphabet)
    context = network.input_shape[0]
    indices = context_of(beginning, context, alphabet)
    return _probabilities(network, indices[None, :], temperature)[0]


def sample(
    network: LayerNetwork,
    n: int = 10,
    seed: int | np.random.Generator = 0,
    temperature: float = 1.0,
    beginning: str = "",
    alphabet: Alphabet = LETTERS,
    max_length: int = 30,
) -> list[str]:
    """`n` new words, each drawn one character at a time from the model's probabilities
    (raised to 1 / temperature: below 1 safer, above 1 wilder) until the end mark or
    `max_length` characters. Words start with `beginning`. Reproducible with `seed`."""
    alphabet = check_model(network, alphabet)
    n = check_int("n", n, 1, MAX_SAMPLES)
    max_length = check_int("max_length", max_length, 1, MAX_WORD_LENGTH)
    temperature = _check_temperature(temperature)
    rng = check_rng("seed", seed)
    context = network.input_shape[0]
    start = context_of(beginning, context, alphabet)
    contexts = np.tile(start, (n, 1))
    drawn = np.zeros((n, max_length), dtype=np.int64)
    running = np.arange(n)  # the words not yet ended
    for position in range(max_length):
        probabilities = _probabilities(network, contexts[running], temperature)
        cumulative = np.cumsum(probabilities, axis=1)
        uniform = rng.random(len(running)) * cumulative[:, -1]
        symbols = (cumulative <= uniform[:, None]).sum(axis=1)
        symbols = np.minimum(symbols, alphabet.size - 1)
        drawn[running, position] = symbols
        contexts[running] = np.column_stack([contexts[running, 1:], symbols])[:, -context:]
        running = running[symbols != 0]
        if len(running) == 0:
            break
    words = []
    for row in drawn:
        ends = np.flatnonzero(row == 0)
        letters = row[: ends[0]] if len(ends) else row
        words.append(beginning + alphabet.decode(letters))
    return words


def _probabilities(network: LayerNetwork, contexts: NDArray, temperature: float) -> NDArray:
    temperature = _check_temperature(temperature)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        logits = network._run(contexts.astype(np.float64), reuse=False).logits
    Z = logits.astype(np.float64) / temperature
    Z -= Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def context_of(beginning: str, context: int, alphabet: Alphabet) -> NDArray[np.int64]:
    """The last `context` symbols of the end marks and `beginning`, as indices."""
    if not isinstance(beginning, str):
        raise TypeError(f"beginning must be text; got {beginning!r}")
    if END in beginning:
        raise ValueError(f"beginning={beginning!r} holds the end mark {END!r}")
    letters = encode_checked(beginning, alphabet, where=f"beginning={beginning!r}")
    padded = np.concatenate([np.zeros(context, dtype=np.int64), letters])
    return padded[len(padded) - context :]


def check_model(network: LayerNetwork, alphabet: Alphabet) -> Alphabet:
    alphabet = check_alphabet(alphabet)
    if not isinstance(network, LayerNetwork) or not isinstance(network.layers[0], Embedding):
        raise TypeError(
            f"network must be a character model (a LayerNetwork starting with an Embedding, "
            f"e.g. from char_model); got {network!r}"
        )
    if network.head_name != "softmax" or network.n_outputs != alphabet.size:
        raise ValueError(
            f"the network predicts {network.n_outputs} outputs with head="
            f"{network.head_name!r}; a model of {alphabet.size} symbols needs a softmax "
            f"over {alphabet.size}"
        )
    if network.layers[0].n_symbols < alphabet.size:
        raise ValueError(
            f"the network's embedding has {network.layers[0].n_symbols} symbols; the alphabet "
            f"has {alphabet.size}"
        )
    return alphabet


def _check_temperature(temperature: float) -> float:
    return check_float("temperature", temperature, 0.0, 100.0, low_open=True)
