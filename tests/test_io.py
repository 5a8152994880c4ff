"""Tests of dllab.core.io: saving a network with its settings and loading it back safely."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from dllab.core import Network, load_network, save_network
from dllab.core.io import FORMAT, FORMAT_VERSION

try:
    import resource
except ImportError:  # Windows
    resource = None

REPOSITORY = Path(__file__).resolve().parent.parent

NETWORKS = {
    "no hidden layer": dict(sizes=[2, 1]),
    "tanh, two hidden layers": dict(sizes=[2, 4, 2, 1], activation="tanh"),
    "softmax, relu, he": dict(sizes=[64, 16, 10], activation="relu", head="softmax", init="he"),
    "sigmoid, l2": dict(
        sizes=[7, 3, 1], head="sigmoid", regularization="l2", regularization_rate=0.003
    ),
    "linear, l1, xavier": dict(
        sizes=[2, 5, 1], head="linear", init="xavier", regularization="l1", regularization_rate=0.1
    ),
}


def trained_like(config: dict, seed: int = 3) -> Network:
    """A network whose weights are not the ones its constructor draws."""
    network = Network(**config, seed=seed)
    network.params += np.random.default_rng(seed).normal(0.0, 0.1, network.params.shape)
    return network


def write_archive(path, **entries) -> None:
    with open(path, "wb") as file:
        np.savez(file, **entries)


def config_text(**changes) -> np.ndarray:
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "network": Network([2, 1]).config(),
        "settings": {},
    }
    document.update(changes)
    return np.array(json.dumps(document))


@pytest.fixture
def saved(tmp_path):
    """A valid file's entries, to be damaged one at a time."""
    network = trained_like(NETWORKS["tanh, two hidden layers"])
    path = save_network(network, tmp_path / "good.npz", learning_rate=0.03)
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


# --- Round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("config", NETWORKS.values(), ids=NETWORKS.keys())
def test_round_trip_gives_identical_params_settings_and_outputs(tmp_path, config):
    network = trained_like(config)
    path = save_network(network, tmp_path / "net.npz")
    loaded, settings = load_network(path)
    assert settings == {}
    assert loaded.config() == network.config()
    assert loaded.params.dtype == np.float64
    np.testing.assert_array_equal(loaded.params, network.params)
    X = np.random.default_rng(0).normal(size=(20, network.sizes[0]))
    np.testing.assert_array_equal(loaded.output(X), network.output(X))
    np.testing.assert_array_equal(loaded.predict(X), network.predict(X))


def test_loaded_weights_are_views_into_params(tmp_path):
    network = trained_like(NETWORKS["tanh, two hidden layers"])
    loaded, _ = load_network(save_network(network, tmp_path / "net"))
    loaded.params[0] = 42.0
    assert loaded.weights[0][0, 0] == 42.0


def test_extra_settings_round_trip_as_json(tmp_path):
    extras = {
        "features": ["x1", "x2", "x1*x2"],
        "learning_rate": 0.03,
        "batch_size": 10,
        "dataset": "xor",
        "noise": 0.0,
        "regularize": True,
        "notes": None,
        "schedule": {"epochs": [1, 2, 3], "name": "steps"},
    }
    path = save_network(Network([3, 1]), tmp_path / "net.npz", **extras)
    _, settings = load_network(path)
    assert settings == extras


def test_extra_settings_may_be_called_network_or_path(tmp_path):
    path = save_network(Network([2, 1]), tmp_path / "net.npz", network="mlp", path="a/b")
    assert load_network(path)[1] == {"network": "mlp", "path": "a/b"}


def test_numpy_numbers_and_tuples_come_back_as_plain_python(tmp_path):
    path = save_network(
        Network([2, 1]),
        tmp_path / "net.npz",
        learning_rate=np.float64(0.1),
        epochs=np.int64(7),
        sizes=np.array([2, 4, 1]),
        features=("x1", "x2"),
    )
    _, settings = load_network(path)
    assert settings == {
        "learning_rate": 0.1,
        "epochs": 7,
        "sizes": [2, 4, 1],
        "features": ["x1", "x2"],
    }
    assert type(settings["epochs"]) is int


@pytest.mark.parametrize(
    "given, written",
    [("net", "net.npz"), ("net.npz", "net.npz"), ("run.v1", "run.v1.npz"), ("NET.NPZ", "NET.NPZ")],
)
def test_npz_is_added_when_missing_and_the_path_returned(tmp_path, given, written):
    path = save_network(Network([2, 1]), tmp_path / given)
    assert path == tmp_path / written and path.is_file()
    assert load_network(str(path))[0].sizes == [2, 1]


def test_saving_twice_overwrites(tmp_path):
    first, second = trained_like({"sizes": [2, 1]}, seed=1), trained_like({"sizes": [2, 1]}, seed=2)
    save_network(first, tmp_path / "net.npz")
    save_network(second, tmp_path / "net.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "net.npz")[0].params, second.params)


def test_a_version_1_file_loads_with_its_layout(tmp_path):
    # Version 1 stored every layer's weights, then every layer's biases.
    network = trained_like(NETWORKS["tanh, two hidden layers"])
    old_layout = np.concatenate([W.ravel() for W in network.weights] + list(network.biases))
    config = config_text(version=1, network=network.config())
    write_archive(tmp_path / "old.npz", config=config, params=old_layout)
    loaded, _ = load_network(tmp_path / "old.npz")
    np.testing.assert_array_equal(loaded.params, network.params)
    X = np.random.default_rng(0).normal(size=(5, network.sizes[0]))
    np.testing.assert_array_equal(loaded.output(X), network.output(X))


def test_the_file_holds_only_plain_arrays(tmp_path):
    path = save_network(Network([2, 3, 1]), tmp_path / "net.npz", dataset="xor")
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["config", "params"]
        config = archive["config"]
        assert config.shape == () and config.dtype.kind == "U"
        document = json.loads(str(config))
    assert document["format"] == "dllab-network" and document["version"] == 2
    assert document["network"]["sizes"] == [2, 3, 1]
    assert document["settings"] == {"dataset": "xor"}


# --- A failed save keeps the old file ----------------------------------------------------------


def write_then_fail(error: BaseException):
    """A stand-in for np.savez that writes the start of an archive, then fails."""

    def savez(file, **entries):
        file.write(b"PK\x03\x04" + bytes(4096))
        raise error

    return savez


@pytest.mark.parametrize(
    "error, raised, message",
    [
        (OSError(errno.ENOSPC, "No space left on device"), ValueError, "No space left"),
        (OSError(errno.EFBIG, "File too large"), ValueError, "cannot be written: File too large"),
        (RuntimeError("disk gone"), RuntimeError, "disk gone"),
        (KeyboardInterrupt(), KeyboardInterrupt, None),
    ],
    ids=["disk full", "file too large", "other error", "interrupt"],
)
def test_a_save_that_fails_midway_keeps_the_old_file(tmp_path, monkeypatch, error, raised, message):
    old = trained_like(NETWORKS["tanh, two hidden layers"])
    path = save_network(old, tmp_path / "net.npz", run="old")
    monkeypatch.setattr(np, "savez", write_then_fail(error))
    with pytest.raises(raised, match=message):
        save_network(trained_like({"sizes": [2, 64, 64, 1]}), path, run="new")
    monkeypatch.undo()
    loaded, settings = load_network(path)
    np.testing.assert_array_equal(loaded.params, old.params)
    assert settings == {"run": "old"}
    assert [entry.name for entry in tmp_path.iterdir()] == ["net.npz"]  # no temporary file


@pytest.mark.skipif(resource is None, reason="needs POSIX resource limits")
def test_a_save_past_the_file_size_limit_keeps_the_old_file(tmp_path):
    # A real write cut short by RLIMIT_FSIZE, in a child process so that the limit
    # applies to it alone.
    script = textwrap.dedent(
        """
        import resource, sys
        import numpy as np
        from dllab.core import Network, load_network, save_network

        path = sys.argv[1]
        old = Network([2, 4, 1], seed=1)
        save_network(old, path)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, resource.RLIM_INFINITY))
        try:
            save_network(Network([2, 64, 64, 1], seed=2), path)  # 35 KB
        except ValueError as error:
            print(error)
        assert np.array_equal(load_network(path)[0].params, old.params), "old file damaged"
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "net.npz")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
    )
    assert completed.returncode == 0, completed.stderr
    assert "net.npz' cannot be written: File too large" in completed.stdout
    assert [entry.name for entry in tmp_path.iterdir()] == ["net.npz"]


def test_saving_over_a_file_keeps_its_permissions(tmp_path):
    path = save_network(Network([2, 1]), tmp_path / "net.npz")
    path.chmod(0o640)
    save_network(Network([2, 3, 1]), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert load_network(path)[0].sizes == [2, 3, 1]


def test_saving_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path):
    (tmp_path / "models").mkdir()
    real = save_network(Network([2, 1]), tmp_path / "models" / "net.npz")
    link = tmp_path / "latest.npz"
    link.symlink_to(real)
    save_network(Network([2, 3, 1]), link)
    assert link.is_symlink()
    assert load_network(real)[0].sizes == [2, 3, 1]


# --- Refusing to save -------------------------------------------------------------------------


def test_save_refuses_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="network must be a dllab Network; got dict"):
        save_network({"sizes": [2, 1]}, tmp_path / "net.npz")
    with pytest.raises(TypeError, match="path must be a file path"):
        save_network(Network([2, 1]), 42)
    with pytest.raises(ValueError, match="folder .*missing.* does not exist"):
        save_network(Network([2, 1]), tmp_path / "missing" / "net.npz")
    (tmp_path / "taken.npz").mkdir()
    with pytest.raises(ValueError, match="is a folder"):
        save_network(Network([2, 1]), tmp_path / "taken.npz")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_save_refuses_a_named_pipe_without_blocking(tmp_path):
    pipe = tmp_path / "net.npz"
    os.mkfifo(pipe)
    with ThreadPoolExecutor(1) as pool:
        saving = pool.submit(save_network, Network([2, 1]), pipe)
        try:
            error = saving.exception(timeout=20)
        finally:
            if not saving.done():  # a reader comes, so the blocked writer returns
                with open(pipe, "rb") as reader:
                    reader.read()
    assert isinstance(error, ValueError), error
    assert "net.npz' is a named pipe (FIFO); give a file name to save to" in str(error)
    assert stat.S_ISFIFO(pipe.stat().st_mode)


@pytest.mark.parametrize(
    "extras, shown",
    [
        ({"callback": print}, "callback=<built-in function print>"),
        ({"learning_rate": float("nan")}, "learning_rate=nan"),
        ({"features": {"x1", "x2"}}, "features="),
    ],
)
def test_save_refuses_settings_that_are_not_json(tmp_path, extras, shown):
    with pytest.raises(ValueError, match=f"{shown}.*cannot be saved: extra settings must be JSON"):
        save_network(Network([2, 1]), tmp_path / "net.npz", **extras)
    assert not (tmp_path / "net.npz").exists()


def test_save_refuses_a_diverged_network(tmp_path):
    network = Network([2, 1])
    network.params[0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite.*diverged"):
        save_network(network, tmp_path / "net.npz")


# --- Refusing to load: not a network file -------------------------------------------------------


def test_load_refuses_a_missing_path_or_a_folder(tmp_path):
    with pytest.raises(ValueError, match="nope.npz' does not exist"):
        load_network(tmp_path / "nope.npz")
    with pytest.raises(ValueError, match="is a folder"):
        load_network(tmp_path)
    with pytest.raises(TypeError, match="path must be a file path"):
        load_network(None)


def test_load_refuses_a_text_file(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("sizes: [2, 1]\n")
    with pytest.raises(ValueError, match=r"notes\.npz' is not a dllab network file"):
        load_network(path)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_load_refuses_a_truncated_file(tmp_path, keep):
    path = save_network(trained_like(NETWORKS["softmax, relu, he"]), tmp_path / "net.npz")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ValueError, match="is not a dllab network file"):
        load_network(path)


def test_load_refuses_a_corrupted_archive(tmp_path):
    path = save_network(trained_like(NETWORKS["softmax, relu, he"]), tmp_path / "net.npz")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2  # inside the params entry, which is stored uncompressed
    data[middle : middle + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="is not a dllab network file: the archive is damaged"):
        load_network(path)


def test_load_refuses_a_plain_npy_file(tmp_path):
    path = tmp_path / "params.npy"
    np.save(path, Network([2, 1]).params)
    with pytest.raises(ValueError, match="not a dllab network file: it is not an .npz archive"):
        load_network(path)


def test_load_refuses_a_zip_of_other_files(tmp_path):
    path = tmp_path / "other.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config", "{}")
        archive.writestr("params", "1 2 3")
    with pytest.raises(ValueError, match="'config' entry is not a NumPy array"):
        load_network(path)


def test_load_refuses_a_foreign_npz_without_config(tmp_path):
    path = tmp_path / "foreign.npz"
    write_archive(path, weights=np.zeros(9), bias=np.zeros(1))
    with pytest.raises(
        ValueError, match=r"not a dllab network file: it holds the entries \['bias'"
    ):
        load_network(path)


def test_load_refuses_extra_entries(tmp_path, saved):
    path = tmp_path / "net.npz"
    write_archive(path, **saved, extra=np.zeros(3))
    with pytest.raises(ValueError, match="holds exactly \\['config', 'params'\\]"):
        load_network(path)


@pytest.mark.parametrize(
    "config, message",
    [
        (np.array(["a", "b"]), "'config' entry must be one text string"),
        (np.array(3.0), "'config' entry must be one text string"),
        (np.array("not json {"), "'config' entry is not valid JSON"),
        (np.array("[" * 100_000), "'config' entry is not valid JSON"),
        (np.array("[1, 2]"), "format marker is None"),
        (config_text(format="keras-model"), "format marker is 'keras-model', not 'dllab-network'"),
        (config_text(version=3), "format version 3.*reads versions 1 to 2.*newer dllab"),
        (config_text(version=0), "format version 0.*this version is unknown"),
        (config_text(version="1"), "format version '1'.*this version is unknown"),
        (config_text(version=True), "format version True.*this version is unknown"),
        (config_text(settings=[1, 2]), "config's 'settings' must be a JSON object"),
        (config_text(network="[2, 1]"), "config's 'network' must be a JSON object"),
        (config_text(extra=1), "damaged dllab network file: its config has the keys"),
    ],
)
def test_load_refuses_a_bad_config(tmp_path, saved, config, message):
    path = tmp_path / "net.npz"
    write_archive(path, config=config, params=np.zeros(3))
    with pytest.raises(ValueError, match=message):
        load_network(path)


def test_load_refuses_nan_inside_the_json(tmp_path):
    path = tmp_path / "net.npz"
    text = str(config_text()).replace('"regularization_rate": 0.0', '"regularization_rate": NaN')
    write_archive(path, config=np.array(text), params=np.zeros(3))
    with pytest.raises(ValueError, match="not valid JSON.*NaN is not a finite number"):
        load_network(path)


# --- Refusing to load: invalid network settings ------------------------------------------------


def network_settings(**changes) -> dict:
    settings = Network([2, 1]).config()
    settings.update(changes)
    return settings


@pytest.mark.parametrize(
    "network, message",
    [
        (network_settings(activation="swish"), "activation='swish' is not known; choose one of"),
        (network_settings(head="hinge"), "head='hinge' is not known"),
        (network_settings(init="zeros"), "init='zeros' is not known"),
        (network_settings(regularization="l3"), "regularization='l3' is not known"),
        (network_settings(regularization_rate=-1.0), "regularization_rate=-1.0 is not allowed"),
        (network_settings(head="softmax"), "the softmax head needs one output per class"),
        (network_settings(sizes=[2, 0]), r"sizes \(outputs\)=0 is not allowed"),
        (network_settings(sizes=[2.5, 1]), r"sizes \(inputs\) must be a whole number"),
        (network_settings(sizes="2, 1"), "sizes must be a list of layer sizes"),
        (network_settings(sizes=[2]), "needs at least an input and an output size"),
        (network_settings(sizes=[2, 4096, 4096, 4096, 1]), "at most 2,000,000 are allowed"),
        (network_settings(seed=1), r"unknown \['seed'\]"),
        ({"sizes": [2, 1]}, r"missing \['activation', 'head', 'init'"),
    ],
)
def test_load_refuses_invalid_network_settings_with_network_checks(tmp_path, network, message):
    path = tmp_path / "net.npz"
    write_archive(path, config=config_text(network=network), params=np.zeros(3))
    with pytest.raises(ValueError, match="holds invalid network settings") as raised:
        load_network(path)
    assert raised.match(message)
    assert "net.npz" in str(raised.value)


@pytest.mark.parametrize(
    "params, message",
    [
        (
            np.zeros(4),
            r"has 3 float64 parameters; the file holds an array of dtype float64 and "
            r"shape \(4,\)",
        ),
        (np.zeros(2), r"shape \(2,\)"),
        (np.zeros((3, 1)), r"shape \(3, 1\)"),
        (np.zeros(3, dtype=np.float32), "dtype float32"),
        (np.zeros(3, dtype=np.int64), "dtype int64"),
        (np.array(["a", "b", "c"]), "dtype <U1"),
        (np.array([0.0, np.nan, 1.0]), "parameters contain NaN or infinite values"),
        (np.array([0.0, np.inf, 1.0]), "parameters contain NaN or infinite values"),
    ],
)
def test_load_refuses_bad_params(tmp_path, params, message):
    path = tmp_path / "net.npz"
    write_archive(path, config=config_text(), params=params)
    with pytest.raises(ValueError, match="damaged dllab network file") as raised:
        load_network(path)
    assert raised.match(message)


# --- Refusing to load: sizes checked before reading ----------------------------------------------


def write_unpacking_to(path, entries: dict, header: dict, n_bytes: int) -> None:
    """A deflated .npz: `entries` as arrays, then a params entry declaring `header` and
    holding `n_bytes` of zeros, which deflate to about a thousandth of their size."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in entries.items():
            with archive.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, array)
        with archive.open("params.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array_header_1_0(member, header)
            chunk = bytes(1 << 20)
            for start in range(0, n_bytes, len(chunk)):
                member.write(chunk[: n_bytes - start])


def refusal_and_peak_memory(path) -> tuple[str, int]:
    """load_network's error message for `path`, and the most memory it held meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as refused:
            load_network(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return str(refused.value), peak


def float_header(n_values: int) -> dict:
    return {"descr": "<f8", "fortran_order": False, "shape": (n_values,)}


N_BOMB = 50_000_000  # float64: 400 MB unpacked


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory):
    """A 1.7 MB file whose params unpack to 400 MB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.npz"
    write_unpacking_to(path, {"config": config_text()}, float_header(N_BOMB), 8 * N_BOMB)
    return path


def test_a_zip_bomb_is_refused_before_it_is_unpacked(zip_bomb):
    assert zip_bomb.stat().st_size < 8 * N_BOMB / 100

    message, peak = refusal_and_peak_memory(zip_bomb)
    assert peak < 1_000_000
    assert re.search(r"'params' entry unpacks to 400,000,128 bytes.* at most 16,000,000", message)


def test_a_config_entry_that_unpacks_to_gigabytes_is_refused_unread(tmp_path):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("params.npy", "w") as member:
            np.lib.format.write_array(member, np.zeros(3))
        with archive.open("config.npy", "w", force_zip64=True) as member:
            n_chars = 25_000_000  # 100 MB
            header = {"descr": f"<U{n_chars}", "fortran_order": False, "shape": ()}
            np.lib.format.write_array_header_1_0(member, header)
            for _ in range(100):
                member.write(bytes(1_000_000))

    message, peak = refusal_and_peak_memory(path)
    assert peak < 1_000_000
    assert re.search(r"'config' entry unpacks to 100,000,128 bytes", message)


@pytest.mark.parametrize(
    "entries, header, expected",
    [
        (
            {"config": config_text()},
            float_header(N_BOMB),
            r"sizes \[2, 1\] has 3 float64 parameters; the file holds an array of dtype "
            r"float64 and shape \(50000000,\)",
        ),
        (
            {
                "config": config_text(
                    network={**Network([2, 1]).config(), "sizes": [2, 1000, 1000, 1]}
                )
            },
            float_header(N_BOMB),
            r"has 1005001 float64 parameters; the file holds .* shape \(50000000,\)",
        ),
    ],
    ids=["small network", "network near the cap"],
)
def test_a_header_declaring_too_many_parameters_is_refused_unread(
    tmp_path, entries, header, expected
):
    # The archive holds only 16 bytes of data: the header alone gives the size away.
    path = tmp_path / "net.npz"
    write_unpacking_to(path, entries, header, 16)

    message, peak = refusal_and_peak_memory(path)
    assert peak < 1_000_000
    assert re.search(expected, message)


def test_a_config_header_declaring_too_much_text_is_refused_unread(tmp_path):
    path = tmp_path / "net.npz"
    huge_text = {"descr": "<U100000000", "fortran_order": False, "shape": ()}
    with zipfile.ZipFile(path, "w") as archive:
        with archive.open("config.npy", "w") as member:
            np.lib.format.write_array_header_1_0(member, huge_text)
        with archive.open("params.npy", "w") as member:
            np.lib.format.write_array(member, np.zeros(3))

    message, peak = refusal_and_peak_memory(path)
    assert peak < 1_000_000
    assert re.search(r"'config' entry holds 100,000,000 characters", message)


@pytest.mark.parametrize("cut", [8, 24 - 1])
def test_a_params_entry_shorter_than_its_header_says_is_refused(tmp_path, cut):
    path = tmp_path / "net.npz"
    write_unpacking_to(path, {"config": config_text()}, float_header(3), cut)
    with pytest.raises(ValueError, match="'params' entry is cut short"):
        load_network(path)


def test_save_refuses_settings_too_long_to_load(tmp_path):
    with pytest.raises(
        ValueError, match=r"extra settings take 1,\d{3},\d{3} characters .* at most 1,000,000"
    ):
        save_network(Network([2, 1]), tmp_path / "net.npz", notes="x" * 1_000_000)
    assert not (tmp_path / "net.npz").exists()


# --- Never unpickling -----------------------------------------------------------------------------


class Exploding:
    """Unpickling this runs `_record_unpickling` (a pickle payload can run any code)."""

    def __reduce__(self):
        return (_record_unpickling, ())


UNPICKLED: list[str] = []


def _record_unpickling() -> str:
    UNPICKLED.append("code ran")
    return "boom"


@pytest.mark.parametrize("entry", ["params", "config"])
def test_a_pickled_object_array_is_refused_not_unpickled(tmp_path, saved, entry):
    path = tmp_path / "net.npz"
    payload = np.array([Exploding(), 1.0], dtype=object)
    write_archive(path, **{**saved, entry: payload})
    UNPICKLED.clear()
    with pytest.raises(ValueError, match=f"'{entry}' entry holds pickled Python objects"):
        load_network(path)
    assert UNPICKLED == []


def test_the_pickle_payload_would_run_code_if_unpickled(tmp_path, saved):
    """The control for the test above: the same file, loaded unsafely, runs the payload."""
    path = tmp_path / "net.npz"
    write_archive(path, **{**saved, "params": np.array([Exploding()], dtype=object)})
    UNPICKLED.clear()
    with np.load(path, allow_pickle=True) as archive:
        archive["params"]
    assert UNPICKLED == ["code ran"]


def test_a_pickled_top_level_file_is_refused(tmp_path):
    import pickle

    path = tmp_path / "net.npz"
    path.write_bytes(pickle.dumps(Exploding()))
    UNPICKLED.clear()
    with pytest.raises(ValueError, match="is not a dllab network file"):
        load_network(path)
    assert UNPICKLED == []
