"""Words for character language models: the shipped name lists, your own words, splits,
and the (context, next character) pairs a model learns from.

A word is a string of the letters a-z. Every model sees it between end-of-word marks, as in
Karpathy's makemore: with 3 characters of context, "emma" gives the pairs

    ... -> e    ..e -> m    .em -> m    emm -> a    mma -> .

so a model learns both how words start (after the marks ".") and when they end (predicting
"."). The mark "." has index 0 in the alphabet and the letters follow it.

Your own words (`from_words`, `words_from_text`, `words_from_file`) are lower-cased, stripped
and checked: any character outside a-z is refused, naming the first word that holds one;
duplicates are dropped by default, so that no validation word is also a training word.
Limits, chosen so that counting and training stay within seconds and a few hundred MB:
MAX_WORDS words, MAX_TEXT_CHARACTERS characters of text, MAX_FILE_BYTES bytes of file.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .checks import check_choice, check_float, check_int, check_rng

END = "."
LETTERS_A_TO_Z = "abcdefghijklmnopqrstuvwxyz"

NAME_LISTS = {
    "surnames": "census_surnames.txt.gz",
    "first_names": "census_first_names.txt.gz",
}
N_NAMES = {"surnames": 88_799, "first_names": 5_163}

MIN_WORDS = 3  # one each for training, validation and test
MAX_WORDS = 200_000  # more than twice the census surnames
MAX_TEXT_CHARACTERS = 2_000_000  # a long novel
MAX_FILE_BYTES = 4 * MAX_TEXT_CHARACTERS  # UTF-8 takes at most 4 bytes a character
MAX_CONTEXT = 16
DEFAULT_SHARES = (0.8, 0.1, 0.1)

# A word in a text: a run of letters (any script, so that "café" is one word and is then
# refused by name rather than silently cut into "caf"); digits, spaces and punctuation
# separate words.
_WORD_PATTERN = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Alphabet:
    """The symbols a model reads and predicts: the end mark (index 0), then `letters`.

    letters : distinct printable ASCII characters other than the end mark, e.g. "abc".
    """

    letters: str = LETTERS_A_TO_Z

    def __post_init__(self) -> None:
        letters = self.letters
        if not isinstance(letters, str) or not letters:
            raise ValueError(f"letters={letters!r} is not allowed: give a non-empty string")
        unusable = [c for c in letters if not (c.isascii() and c.isprintable()) or c in END + " "]
        if unusable:
            raise ValueError(
                f"letters={letters!r} is not allowed: {unusable[0]!r} is not a printable "
                f"ASCII character other than a space and the end mark {END!r}"
            )
        if len(set(letters)) != len(letters):
            repeated = next(c for c in letters if letters.count(c) > 1)
            raise ValueError(f"letters={letters!r} holds {repeated!r} twice")

    @property
    def symbols(self) -> str:
        """The end mark then the letters: symbol i has index i."""
        return END + self.letters

    @property
    def size(self) -> int:
        """Number of symbols, the end mark included (27 for a-z)."""
        return len(self.letters) + 1

    def encode(self, word: str) -> NDArray[np.int64]:
        """Indices of the characters of `word` (no end marks added): shape (len(word),)."""
        return encode_checked(word, self, where=f"word={word!r}")

    def decode(self, indices: Iterable[int]) -> str:
        """The characters of `indices` (end marks included as ".")."""
        symbols = self.symbols
        return "".join(symbols[int(index)] for index in indices)

    def _lookup_table(self) -> NDArray[np.int64]:
        """Index of each byte value 0..255 in the alphabet, -1 where it is not a symbol."""
        table = np.full(256, -1, dtype=np.int64)
        table[np.frombuffer(self.symbols.encode("ascii"), dtype=np.uint8)] = np.arange(self.size)
        return table


LETTERS = Alphabet()


class WordSplit(NamedTuple):
    """Words for training, validation (choosing settings) and test (the final score)."""

    train: tuple[str, ...]
    validation: tuple[str, ...]
    test: tuple[str, ...]


def load_names(kind: str = "surnames") -> tuple[str, ...]:
    """The 1990 US census names shipped with dllab, lower-case a-z, sorted, no duplicates.

    kind : "surnames" (88,799 names) or "first_names" (5,163 names, male and female).
    The source, licence and making of each list are in its file's header
    (`name_list_header(kind)`).
    """
    check_choice("kind", kind, NAME_LISTS)
    return _read_name_list(kind)[1]


def name_list_header(kind: str = "surnames") -> str:
    """The header of a shipped name list: its source, licence and how it was made."""
    check_choice("kind", kind, NAME_LISTS)
    return _read_name_list(kind)[0]


@cache
def _read_name_list(kind: str) -> tuple[str, tuple[str, ...]]:
    data = resources.files("dllab").joinpath("data", NAME_LISTS[kind]).read_bytes()
    lines = gzip.decompress(data).decode("ascii").splitlines()
    header = "\n".join(line for line in lines if line.startswith("#"))
    names = tuple(line for line in lines if line and not line.startswith("#"))
    return header, names


def from_words(
    words: Iterable[str], alphabet: Alphabet = LETTERS, *, unique: bool = True
) -> tuple[str, ...]:
    """Your own words, checked: stripped, lower-cased, duplicates dropped (with `unique`).

    Raises, naming the problem: not a list of strings, an empty word, a character outside
    the alphabet (the first such word and character), fewer than MIN_WORDS distinct words,
    or more than MAX_WORDS words. Order is kept (first occurrence of each word).
    """
    if isinstance(words, str | bytes):
        raise TypeError(
            "words must be a list of words, not a single string; for a text, use "
            f"words_from_text(text); got {_short(words)}"
        )
    if not isinstance(words, Iterable):
        raise TypeError(f"words must be a list of strings; got {type(words).__name__}")
    alphabet = check_alphabet(alphabet)
    cleaned: list[str] = []
    for position, word in enumerate(words):
        if not isinstance(word, str):
            raise TypeError(
                f"words[{position}]={_short(word)} is not a string; every word must be text"
            )
        word = word.strip().lower()
        if not word:
            raise ValueError(f"words[{position}] is empty; every word needs at least one letter")
        cleaned.append(word)
    if unique:
        cleaned = list(dict.fromkeys(cleaned))
    kind = "distinct " if unique else ""
    if len(cleaned) > MAX_WORDS:
        raise ValueError(
            f"words holds {len(cleaned):,} {kind}words, more than MAX_WORDS={MAX_WORDS:,}; "
            "give fewer (counting and training on more would take minutes and hundreds of MB)"
        )
    _check_characters(cleaned, alphabet)
    if not cleaned:
        raise ValueError(
            f"words is empty: it needs at least {MIN_WORDS} words, one each for training, "
            "validation and test"
        )
    if len(cleaned) < MIN_WORDS:
        shown = ", ".join(map(repr, cleaned))
        raise ValueError(
            f"words holds only {len(cleaned)} {kind}word{'s' if len(cleaned) > 1 else ''} "
            f"({shown}): it needs at least {MIN_WORDS} {kind}words, one each for training, "
            "validation and test"
        )
    return tuple(cleaned)


def words_from_text(
    text: str, alphabet: Alphabet = LETTERS, *, unique: bool = True
) -> tuple[str, ...]:
    """The words of a text: runs of letters, lower-cased; all else separates words.

    "Don't stop, 2 cafés!" gives "don", "t", "stop", then refuses "cafés" (é is not in
    a-z): accented letters are refused by name, not dropped, so no word is cut silently.
    Texts longer than MAX_TEXT_CHARACTERS are refused. Then checked as by `from_words`.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string; got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARACTERS:
        raise ValueError(
            f"text has {len(text):,} characters, more than MAX_TEXT_CHARACTERS="
            f"{MAX_TEXT_CHARACTERS:,}; give a shorter text (counting and training on more "
            "would take minutes and hundreds of MB)"
        )
    words = _WORD_PATTERN.findall(text)
    if not words:
        raise ValueError(f"text={_short(text)} holds no word: a word is a run of letters a-z")
    return from_words(words, alphabet, unique=unique)


def words_from_file(
    path: str | Path, alphabet: Alphabet = LETTERS, *, unique: bool = True
) -> tuple[str, ...]:
    """The words of a UTF-8 text file (one word a line, or running text), as by
    `words_from_text`. Files above MAX_FILE_BYTES are refused before being read."""
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a file path (str or Path); got {type(path).__name__}")
    file_path = Path(path)
    shown = repr(str(path))
    if not file_path.exists():
        raise ValueError(f"path={shown} does not exist; give the path of a text file")
    if not file_path.is_file():
        raise ValueError(f"path={shown} is a folder, not a file; give a text file")
    size = file_path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(
            f"path={shown} has {size:,} bytes, more than MAX_FILE_BYTES={MAX_FILE_BYTES:,}; "
            "give a shorter file (counting and training on more would take minutes)"
        )
    try:
        text = file_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"path={shown} is not a text file (UTF-8 expected)") from None
    except OSError as error:
        raise ValueError(f"path={shown} cannot be read: {error.strerror}") from None
    return words_from_text(text, alphabet, unique=unique)


def split_words(
    words: Sequence[str],
    seed: int | np.random.Generator = 0,
    shares: tuple[float, float, float] = DEFAULT_SHARES,
) -> WordSplit:
    """Shuffle with `seed`, then cut into training, validation and test words.

    shares : (train, validation, test) fractions, each above 0, summing to 1. The
        validation and test parts get round(share * n_words) words but at least one each,
        training the rest (3 words give one to each part; fewer are refused).
    Words are not deduplicated here: give distinct words (`from_words` makes them so).
    """
    words = check_word_sequence(words)
    shares = _check_shares(shares)
    rng = check_rng("seed", seed)
    n_words = len(words)
    n_validation = max(1, round(shares[1] * n_words))
    n_test = max(1, round(shares[2] * n_words))
    n_train = n_words - n_validation - n_test
    if min(n_train, n_validation, n_test) < 1:
        raise ValueError(
            f"shares={shares} leaves a part with no word: {n_words} words give "
            f"{n_train} for training, {n_validation} for validation and {n_test} for test; "
            "give more words or larger shares to the empty part"
        )
    order = rng.permutation(n_words)
    shuffled = [words[index] for index in order]
    return WordSplit(
        train=tuple(shuffled[:n_train]),
        validation=tuple(shuffled[n_train : n_train + n_validation]),
        test=tuple(shuffled[n_train + n_validation :]),
    )


def context_windows(
    words: Sequence[str], context: int, alphabet: Alphabet = LETTERS
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every (context, next character) pair of `words`, as alphabet indices.

    Each word is read between `context` end marks before it and one after it, so a word of
    L letters gives L + 1 pairs: its letters and its end, each after the `context` symbols
    before it (end marks at the start).
    Returns X : (n_pairs, context) and y : (n_pairs,), n_pairs = sum of (len(word) + 1).
    """
    words = check_word_sequence(words)
    context = check_int("context", context, 0, MAX_CONTEXT)
    alphabet = check_alphabet(alphabet)
    # One stream: per word, `context` marks, its letters, one end mark. Valid windows of
    # a word start at its first mark and at each of the next len(word) positions; the
    # others would reach into the next word.
    padding = END * context
    stream = _encode_stream(
        "".join(f"{padding}{word}{END}" for word in words), alphabet, words=words
    )
    if np.count_nonzero(stream == 0) != len(words) * (context + 1):
        _check_characters(words, alphabet)  # an end mark inside a word: raises naming it
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    segment_starts = np.concatenate(([0], np.cumsum(lengths + context + 1)[:-1]))
    pairs_per_word = lengths + 1
    first_pair = np.concatenate(([0], np.cumsum(pairs_per_word)[:-1]))
    window_starts = np.repeat(segment_starts - first_pair, pairs_per_word) + np.arange(
        pairs_per_word.sum()
    )
    X = stream[window_starts[:, None] + np.arange(context)]
    y = stream[window_starts + context]
    return X, y


def _encode_stream(
    characters: str, alphabet: Alphabet = LETTERS, *, words: Sequence[str] | None = None
) -> NDArray[np.int64]:
    """Indices of every character of `characters` (end marks included): shape (len,).

    With `words` (the words `characters` was made of), an error names the word at fault.
    """
    where = "characters" if words is None else "words"
    try:
        raw = np.frombuffer(characters.encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError as error:
        position = error.start
    else:
        indices = alphabet._lookup_table()[raw]
        if (indices >= 0).all():
            return indices
        position = int(np.argmax(indices < 0))
    character = characters[position]
    if words is not None:
        _check_characters(words, alphabet)  # raises naming the word
    raise ValueError(
        f"{where} holds {character!r}, which is not in the alphabet "
        f"{alphabet.letters!r} (position {position})"
    )


def encode_checked(word: str, alphabet: Alphabet, where: str) -> NDArray[np.int64]:
    if not isinstance(word, str):
        raise TypeError(f"{where} is not a string")
    bad = next((c for c in word if c not in alphabet.letters), None)
    if bad is not None:
        raise ValueError(
            f"{where} holds {bad!r}, which is not in the alphabet {alphabet.letters!r}"
        )
    return _encode_stream(word, alphabet)


def _check_characters(words: Sequence[str], alphabet: Alphabet) -> None:
    """Raise naming the first word holding a character outside the alphabet's letters."""
    allowed = set(alphabet.letters)
    for position, word in enumerate(words):
        outside = set(word) - allowed
        if outside:
            character = next(c for c in word if c in outside)
            raise ValueError(
                f"words[{position}]={word!r} holds {character!r}, which is not one of the "
                f"letters {_letters_text(alphabet)}; remove or replace it (words are "
                "lower-cased, and accents, digits, spaces and punctuation are not letters)"
            )


def check_word_sequence(words: Any) -> Sequence[str]:
    if isinstance(words, str | bytes):
        raise TypeError(f"words must be a list of words, not a single string; got {_short(words)}")
    if not isinstance(words, Sequence):
        if isinstance(words, np.ndarray):
            words = words.tolist()
        else:
            raise TypeError(f"words must be a list of strings; got {type(words).__name__}")
    if len(words) == 0:
        raise ValueError("words is empty: give at least one word")
    if all(isinstance(word, str) for word in words) and all(words):
        return words
    for position, word in enumerate(words):
        if not isinstance(word, str) or not word:
            raise TypeError(
                f"words[{position}]={_short(word)} is not a word: every word must be a "
                "non-empty string (from_words checks your own words)"
            )
    return words


def _check_shares(shares: Any) -> tuple[float, float, float]:
    allowed = "three fractions (train, validation, test), each above 0, summing to 1"
    if isinstance(shares, str) or not isinstance(shares, Sequence) or len(shares) != 3:
        raise ValueError(f"shares={shares!r} is not allowed: give {allowed}")
    values = tuple(
        check_float(f"shares[{index}]", share, 0.0, 1.0, low_open=True)
        for index, share in enumerate(shares)
    )
    if abs(sum(values) - 1.0) > 1e-9:
        raise ValueError(f"shares={shares!r} sums to {sum(values):g}; give {allowed}")
    return values


def check_alphabet(alphabet: Any) -> Alphabet:
    if not isinstance(alphabet, Alphabet):
        raise TypeError(
            f"alphabet must be an Alphabet (e.g. Alphabet('abc')); got {type(alphabet).__name__}"
        )
    return alphabet


def _letters_text(alphabet: Alphabet) -> str:
    return "a-z" if alphabet.letters == LETTERS_A_TO_Z else repr(alphabet.letters)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."
