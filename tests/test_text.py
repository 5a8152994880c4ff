"""Tests of dllab.core.text: the shipped name lists, your own words, splits, context windows."""

from __future__ import annotations

import gzip
import re
from importlib import resources

import numpy as np
import pytest

from dllab.core import text
from dllab.core.text import (
    LETTERS,
    NAME_LISTS,
    Alphabet,
    WordSplit,
    context_windows,
    from_words,
    load_names,
    name_list_header,
    split_words,
    words_from_file,
    words_from_text,
)

# --- the shipped name lists -------------------------------------------------------------


@pytest.mark.parametrize(("kind", "count"), [("surnames", 88_799), ("first_names", 5_163)])
def test_shipped_names_are_distinct_sorted_a_to_z(kind, count):
    names = load_names(kind)
    assert len(names) == count == text.N_NAMES[kind]
    assert all(re.fullmatch("[a-z]+", name) for name in names)
    assert list(names) == sorted(set(names))


@pytest.mark.parametrize("kind", sorted(NAME_LISTS))
def test_shipped_names_file_has_source_licence_and_steps_in_header(kind):
    data = resources.files("dllab").joinpath("data", NAME_LISTS[kind]).read_bytes()
    assert len(data) < 300_000  # the repository stays small
    first_lines = gzip.decompress(data).decode("ascii").splitlines()[:20]
    assert first_lines[0].startswith("# ")
    header = name_list_header(kind)
    assert header == "\n".join(line for line in first_lines if line.startswith("#"))
    for needed in ("US Census Bureau", "1990", "public domain", "`names` package", "sha256"):
        assert needed in header
    assert f"{text.N_NAMES[kind]} names follow" in header


def test_well_known_names_are_in_the_lists():
    assert {"smith", "johnson", "garcia"} <= set(load_names("surnames"))
    assert {"mary", "james", "emma"} <= set(load_names("first_names"))


def test_unknown_name_list_is_refused():
    with pytest.raises(ValueError, match="kind='pets' is not known; choose one of: surnames"):
        load_names("pets")


# --- the alphabet -----------------------------------------------------------------------


def test_alphabet_has_the_end_mark_first():
    assert LETTERS.symbols == ".abcdefghijklmnopqrstuvwxyz"
    assert LETTERS.size == 27
    assert LETTERS.encode("emma").tolist() == [5, 13, 13, 1]
    assert LETTERS.decode([0, 5, 13, 13, 1, 0]) == ".emma."
    assert Alphabet("ba").encode("aab").tolist() == [2, 2, 1]


@pytest.mark.parametrize(
    ("letters", "message"),
    [
        ("", "letters='' is not allowed: give a non-empty string"),
        ("ab.", "'.' is not a printable ASCII character other than a space and the end mark"),
        ("a b", "' ' is not a printable ASCII character"),
        ("aé", "'é' is not a printable ASCII character"),
        ("aba", "letters='aba' holds 'a' twice"),
    ],
)
def test_bad_alphabets_are_refused(letters, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Alphabet(letters)


def test_encoding_a_character_outside_the_alphabet_names_it():
    with pytest.raises(ValueError, match=r"word='ab1' holds '1', which is not in the alphabet"):
        LETTERS.encode("ab1")


# --- your own words ---------------------------------------------------------------------


def test_from_words_strips_lowercases_and_drops_duplicates_in_order():
    assert from_words([" Emma", "OLIVIA ", "emma", "ava"]) == ("emma", "olivia", "ava")
    assert from_words(["emma", "ava", "emma"], unique=False) == ("emma", "ava", "emma")
    assert from_words(iter(["ab", "ba", "aa"]), Alphabet("ab")) == ("ab", "ba", "aa")


@pytest.mark.parametrize(
    ("words", "error", "message"),
    [
        ([], ValueError, "words is empty: it needs at least 3 words"),
        (["emma"], ValueError, "words holds only 1 distinct word ('emma'): it needs at least 3"),
        (["emma", "Emma ", "ava"], ValueError, "words holds only 2 distinct words"),
        (["emma", "zoë", "ava"], ValueError, "words[1]='zoë' holds 'ë', which is not one of the"),
        (["emma", "r2d2", "ava"], ValueError, "words[1]='r2d2' holds '2'"),
        (["emma", "anne marie"], ValueError, "words[1]='anne marie' holds ' '"),
        (["emma", "o'neil"], ValueError, 'words[1]="o\'neil" holds "\'"'),
        (["emma", "  ", "ava"], ValueError, "words[1] is empty; every word needs at least one"),
        (["emma", 3, "ava"], TypeError, "words[1]=3 is not a string"),
        ("emma ava", TypeError, "words must be a list of words, not a single string"),
        (42, TypeError, "words must be a list of strings; got int"),
    ],
)
def test_bad_words_get_a_named_error(words, error, message):
    with pytest.raises(error, match=re.escape(message)):
        from_words(words)


def test_too_many_words_are_refused(monkeypatch):
    monkeypatch.setattr(text, "MAX_WORDS", 4)
    assert len(from_words(["a", "b", "c", "d", "d"])) == 4  # counted after duplicates go
    with pytest.raises(ValueError, match="words holds 5 distinct words, more than MAX_WORDS=4"):
        from_words(["a", "b", "c", "d", "e"])


def test_words_from_text_cuts_at_anything_but_letters():
    words = words_from_text("Don't stop,\n2 cats & 3 DOGS! Stop.")
    assert words == ("don", "t", "stop", "cats", "dogs")


def test_words_from_text_refuses_accented_letters_by_word():
    with pytest.raises(ValueError, match="words\\[1\\]='cafés' holds 'é'"):
        words_from_text("two cafés, please")


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("  12 + 34 = 46 ", ValueError, "holds no word: a word is a run of letters a-z"),
        ("", ValueError, "text='' holds no word"),
        ("hello hello", ValueError, "words holds only 1 distinct word ('hello')"),
        (["a", "b"], TypeError, "text must be a string; got list"),
    ],
)
def test_bad_texts_get_a_named_error(value, error, message):
    with pytest.raises(error, match=re.escape(message)):
        words_from_text(value)


def test_too_long_a_text_is_refused(monkeypatch):
    monkeypatch.setattr(text, "MAX_TEXT_CHARACTERS", 10)
    with pytest.raises(ValueError, match="text has 11 characters, more than MAX_TEXT_CHARACTERS"):
        words_from_text("abc def ghi")


def test_words_from_file_reads_one_word_a_line(tmp_path):
    path = tmp_path / "pets.txt"
    path.write_text("Rex\nFido\n\nfelix\nrex\n", encoding="utf-8")
    assert words_from_file(path) == ("rex", "fido", "felix")
    assert words_from_file(str(path)) == ("rex", "fido", "felix")


def test_bad_files_get_a_named_error(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="does not exist; give the path of a text file"):
        words_from_file(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="is a folder, not a file"):
        words_from_file(tmp_path)
    binary = tmp_path / "image.bin"
    binary.write_bytes(bytes([0xFF, 0xFE, 0x00, 0x9C]) * 10)
    with pytest.raises(ValueError, match="is not a text file \\(UTF-8 expected\\)"):
        words_from_file(binary)
    big = tmp_path / "big.txt"
    big.write_text("word " * 10, encoding="utf-8")
    monkeypatch.setattr(text, "MAX_FILE_BYTES", 20)
    with pytest.raises(ValueError, match="has 50 bytes, more than MAX_FILE_BYTES=20"):
        words_from_file(big)
    with pytest.raises(TypeError, match="path must be a file path"):
        words_from_file(3)


# --- splits -----------------------------------------------------------------------------


def test_split_is_reproducible_disjoint_and_complete():
    names = load_names("first_names")
    parts = split_words(names, seed=7)
    assert isinstance(parts, WordSplit)
    assert split_words(names, seed=7) == parts
    assert split_words(names, seed=np.random.default_rng(7)) == parts
    assert split_words(names, seed=8).train != parts.train
    train, validation, test = (set(part) for part in parts)
    assert not (train & validation or train & test or validation & test)
    assert train | validation | test == set(names)
    assert (len(parts.train), len(parts.validation), len(parts.test)) == (4131, 516, 516)


def test_split_shares_are_followed():
    parts = split_words([f"{a}{b}" for a in "abcdefghij" for b in "abcdefghij"], 0, (0.5, 0.3, 0.2))
    assert tuple(map(len, parts)) == (50, 30, 20)
    assert tuple(map(len, split_words(["ab", "ba", "aa"], 0, (0.8, 0.1, 0.1)))) == (1, 1, 1)


@pytest.mark.parametrize(
    ("words", "shares", "error", "message"),
    [
        (["ab", "ba"], (0.8, 0.1, 0.1), ValueError, "leaves a part with no word: 2 words give"),
        (["ab"] * 10, (0.8, 0.2), ValueError, "give three fractions (train, validation, test)"),
        (["ab"] * 10, (0.8, 0.3, 0.1), ValueError, "sums to 1.2; give three fractions"),
        (["ab"] * 10, (1.0, 0.0, 0.0), ValueError, "shares[1]=0.0 is not allowed"),
        (["ab"] * 10, (0.9, -0.1, 0.2), ValueError, "shares[1]=-0.1 is not allowed"),
        (["ab"] * 10, (0.8, "a", 0.1), TypeError, "shares[1] must be a number"),
        ([], (0.8, 0.1, 0.1), ValueError, "words is empty"),
        ("abc", (0.8, 0.1, 0.1), TypeError, "words must be a list of words, not a single string"),
        (["ab", "", "c"], (0.8, 0.1, 0.1), TypeError, "words[1]='' is not a word"),
    ],
)
def test_bad_splits_get_a_named_error(words, shares, error, message):
    with pytest.raises(error, match=re.escape(message)):
        split_words(words, 0, shares)


def test_split_refuses_a_bad_seed():
    with pytest.raises(ValueError, match="seed=-1 is not allowed"):
        split_words(["ab", "ba", "aa"], -1)


# --- context windows --------------------------------------------------------------------


def test_context_windows_of_emma_as_in_makemore():
    X, y = context_windows(["emma"], 3)
    windows = [LETTERS.decode(row) + " -> " + LETTERS.decode([target]) for row, target in zip(X, y)]
    assert windows == ["... -> e", "..e -> m", ".em -> m", "emm -> a", "mma -> ."]
    assert X.dtype == y.dtype == np.int64


def _windows_by_loop(words, context):
    """makemore's loop: slide a window of `context` indices along each padded word."""
    X, y = [], []
    for word in words:
        window = [0] * context
        for character in word + ".":
            index = LETTERS.symbols.index(character)
            X.append(list(window))
            y.append(index)
            window = (window + [index])[1:] if context else []
    return np.array(X, dtype=np.int64).reshape(len(y), context), np.array(y)


@pytest.mark.parametrize("context", [0, 1, 2, 3, 6, 12])
def test_context_windows_match_makemore_loop(context):
    words = load_names("first_names")[::40]
    X, y = context_windows(words, context)
    X_loop, y_loop = _windows_by_loop(words, context)
    assert X.shape == (sum(len(word) + 1 for word in words), context)
    np.testing.assert_array_equal(X, X_loop)
    np.testing.assert_array_equal(y, y_loop)


@pytest.mark.parametrize(
    ("words", "context", "error", "message"),
    [
        (["ab", "c-d"], 2, ValueError, "words[1]='c-d' holds '-'"),
        (["ab", "cé"], 2, ValueError, "words[1]='cé' holds 'é'"),
        (["ab", "c.d"], 2, ValueError, "words[1]='c.d' holds '.'"),
        (["ab"], -1, ValueError, "context=-1 is not allowed: it must be from 0 to 16"),
        (["ab"], 2.5, TypeError, "context must be a whole number"),
        ([], 2, ValueError, "words is empty"),
    ],
)
def test_bad_context_windows_get_a_named_error(words, context, error, message):
    with pytest.raises(error, match=re.escape(message)):
        context_windows(words, context)
