"""Saving a trained network with its settings, and loading it back.

A saved network is one `.npz` archive with two entries:

- "params": the flat float64 parameter vector (`Network.params`): layer by layer, the
  weights and then the biases;
- "config": a JSON document, stored as a 0-d unicode array, holding a format marker,
  the format version, `Network.config()` and the caller's extra settings.

Version 1 files, whose "params" held all the weights and then all the biases, load too.
A `LayerNetwork` is saved in the same format: its config is `LayerNetwork.config()`, which
has a "layers" key (the list of layers), and its parameters are stored in float64 whatever
the network's dtype.

Nothing is pickled: loading uses `np.load(..., allow_pickle=False)` and checks every
entry, so a damaged or foreign file gives a plain ValueError, never a half-built network.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import os
import secrets
import stat
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from .checks import file_kind, open_regular_file, short_repr
from .layered import LayerNetwork, count_config_params
from .network import MAX_PARAMS, Network, check_sizes, count_params

FORMAT = "dllab-network"
FORMAT_VERSION = 2
SUFFIX = ".npz"
_ENTRIES = ("config", "params")
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
# The JSON document of the network's settings and the caller's extra settings: room for
# plenty of settings, and a bound on what loading a file may read (4 bytes a character).
MAX_CONFIG_CHARS = 1_000_000
_NPY_HEADER_BYTES = 10_000 + 12  # np.lib.format's largest header read safely, and its prefix
_CONTENTS = {"config": "settings", "params": "parameters"}
_LARGEST_ENTRY = {"config": 4 * MAX_CONFIG_CHARS, "params": 8 * MAX_PARAMS}  # data bytes
_NPY_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
_CHUNK_BYTES = 1 << 18
JSON_TYPES = "numbers, strings, true/false, None, and lists or dicts of those"


def save_network(
    network: Network | LayerNetwork, path: str | os.PathLike, /, **extra_settings: Any
) -> Path:
    """Write `network`'s weights and settings to `path` (".npz" is added if missing).

    extra_settings : anything else the lesson needs to rebuild the run, e.g.
        `features=["x1", "x2"]`, `learning_rate=0.03`, `dataset="xor"`; JSON data only
        (NumPy numbers and arrays are turned into Python numbers and lists).
    Returns the path written. The file is written whole beside `path` and then renamed
    over it, so a save that fails leaves an existing file at `path` as it was.
    """
    if not isinstance(network, (Network, LayerNetwork)):
        raise TypeError(
            f"network must be a dllab Network; got {type(network).__name__} "
            "(a LayerNetwork is saved too)"
        )
    if not np.isfinite(network.params).all():
        raise ValueError(
            "the network's weights contain NaN or infinite values (training diverged); "
            "reset or retrain it before saving"
        )
    file_path = _npz_path(path)
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "network": network.config(),
        "settings": _check_settings(extra_settings),
    }
    config_text = json.dumps(document, allow_nan=False)
    if len(config_text) > MAX_CONFIG_CHARS:
        raise ValueError(
            f"the extra settings take {len(config_text):,} characters as JSON, and a saved "
            f"network's settings take at most {MAX_CONFIG_CHARS:,}; save large data apart"
        )
    _write(file_path, network.params.astype(np.float64, copy=False), config_text)
    return file_path


def load_network(path: str | os.PathLike) -> tuple[Network | LayerNetwork, dict[str, Any]]:
    """Read a file written by `save_network`: the network with its weights, and the
    extra settings saved with it (as JSON gives them back: tuples come back as lists).

    Every size the file declares is checked before anything is read: the settings take
    at most MAX_CONFIG_CHARS characters, and the parameters exactly as many numbers as the
    network of the saved sizes has (at most MAX_PARAMS), so a small file that would
    decompress to gigabytes is refused without reading it."""
    with open_regular_file("path", path, "a saved network") as file:
        return _read_network(file, f"path={str(Path(path))!r}")


def _read_network(file: BinaryIO, where: str) -> tuple[Network | LayerNetwork, dict[str, Any]]:
    not_ours = f"{where} is not a dllab network file"
    if not zipfile.is_zipfile(file):
        raise ValueError(
            f"{not_ours}: it is not an .npz archive (or it is damaged or cut short); "
            "dllab network files are written by save_network"
        )
    try:
        with zipfile.ZipFile(file) as archive:
            members = _entry_members(archive, not_ours)
            config_fits = functools.partial(_config_fits, where)
            config = _read_entry(archive, members["config"], not_ours, config_fits)
            document = _parse_config(config, where)
            network_config = document["network"]
            layered = "layers" in network_config
            if layered:
                n_params = _layered_params(where, network_config)
                described = "the layer network it describes"
            else:
                network_config = _check_network_config(network_config, where)
                n_params = _dense_params(where, network_config["sizes"])
                described = f"a network of sizes {network_config['sizes']}"
            params_fit = functools.partial(_params_fit, where, described, n_params)
            params = _read_entry(archive, members["params"], not_ours, params_fit)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise ValueError(f"{not_ours}: the archive is damaged ({error})") from None
    if not np.isfinite(params).all():
        raise ValueError(
            f"{where} is a damaged dllab network file: its parameters contain NaN or "
            "infinite values"
        )
    try:
        if layered:
            network = LayerNetwork.from_config(network_config)
        else:
            network = Network(**network_config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where} holds invalid network settings: {error}") from None
    if document["version"] == 1 and not layered:
        _load_weights_then_biases(network, params)
    else:
        network.params[...] = params
    return network, document["settings"]


def _load_weights_then_biases(network: Network, params: NDArray[np.float64]) -> None:
    """Version 1's layout: every layer's weights, then every layer's biases."""
    offset = 0
    for W in network.weights:
        W[...] = params[offset : offset + W.size].reshape(W.shape)
        offset += W.size
    for b in network.biases:
        b[...] = params[offset : offset + b.size]
        offset += b.size


# --- Saving -----------------------------------------------------------------------------------


def _npz_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (a string); got {path!r}")
    file_path = Path(path)
    if file_path.suffix.lower() != SUFFIX:
        file_path = file_path.with_name(file_path.name + SUFFIX)
    if file_path.exists() and not file_path.is_file():
        kind = file_kind(file_path.stat().st_mode, file_path)
        raise ValueError(f"path={str(file_path)!r} is {kind}; give a file name to save to")
    folder = file_path.parent
    if not folder.is_dir():
        raise ValueError(
            f"path={str(file_path)!r} cannot be written: the folder {str(folder)!r} does not exist"
        )
    return file_path


def _check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings as JSON gives them back, or an error naming the first bad one."""
    for key, value in settings.items():
        try:
            json.dumps(value, allow_nan=False, default=_plain_python)
        except (TypeError, ValueError):
            raise ValueError(
                f"{key}={short_repr(value)} cannot be saved: extra settings must be JSON data "
                f"({JSON_TYPES}), with finite numbers"
            ) from None
    return json.loads(json.dumps(settings, default=_plain_python))


def _plain_python(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _write(file_path: Path, params: NDArray[np.float64], config_text: str) -> None:
    """Write a new file beside `file_path`, then rename it over `file_path`. The rename
    is atomic, so a save that fails (a full disk, a file-size limit, an interrupt) leaves
    the old file as it was, and removes its own temporary file."""
    target = Path(os.path.realpath(file_path))  # through a symbolic link, as open() writes
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        # O_EXCL: never write into a file that someone else made with the same name.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
    except OSError as error:
        raise _cannot_write(file_path, error) from None
    try:
        with open(descriptor, "wb") as file:
            np.savez(file, params=params, config=np.array(config_text))
            file.flush()
            os.fsync(file.fileno())
        _keep_permissions(target, temporary)
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        if isinstance(error, OSError):
            raise _cannot_write(file_path, error) from None
        raise


def _cannot_write(file_path: Path, error: OSError) -> ValueError:
    reason = error.strerror or str(error)
    return ValueError(f"path={str(file_path)!r} cannot be written: {reason}")


def _keep_permissions(old: Path, new: Path) -> None:
    """Give `new` the permissions of `old`, if `old` exists: overwriting keeps them."""
    try:
        mode = stat.S_IMODE(os.stat(old).st_mode)
    except FileNotFoundError:
        return
    os.chmod(new, mode)


# --- Loading ----------------------------------------------------------------------------------


def _entry_members(archive: zipfile.ZipFile, not_ours: str) -> dict[str, zipfile.ZipInfo]:
    """The archive's members holding "config" and "params" (as np.load names them: the
    member name without its ".npy")."""
    members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
    names = sorted(info.filename.removesuffix(".npy") for info in archive.infolist())
    if names != sorted(_ENTRIES):
        raise ValueError(
            f"{not_ours}: it holds the entries {short_repr(names)}, and a saved network holds "
            f"exactly {list(_ENTRIES)}"
        )
    return members


def _read_entry(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    not_ours: str,
    check: Callable[[tuple[int, ...], np.dtype], None],
) -> NDArray:
    """Read one .npy member after `check(shape, dtype)` has accepted its header: only the
    bytes the header declares are read, and only once they are known to be few enough."""
    entry = member.filename.removesuffix(".npy")
    largest = _LARGEST_ENTRY[entry]
    if member.file_size > _NPY_HEADER_BYTES + largest:
        raise ValueError(
            f"{not_ours}: its {entry!r} entry unpacks to {member.file_size:,} bytes, and a "
            f"saved network's {_CONTENTS[entry]} take at most {largest:,} bytes"
        )
    try:
        stream = archive.open(member)
    except (NotImplementedError, RuntimeError) as error:  # a compression or encryption
        raise ValueError(f"{not_ours}: its {entry!r} entry cannot be read ({error})") from None
    with stream:
        shape, dtype = _read_npy_header(stream, entry, not_ours)
        check(shape, dtype)
        if math.prod(shape) * dtype.itemsize > member.file_size:
            raise ValueError(f"{not_ours}: its {entry!r} entry is cut short")
        array = np.empty(shape, dtype)
        _read_into(stream, array, entry, not_ours)
    return array


def _read_npy_header(stream: BinaryIO, entry: str, not_ours: str) -> tuple[tuple[int, ...], Any]:
    """The shape and dtype an .npy stream declares, read without reading its data."""
    try:
        version = np.lib.format.read_magic(stream)
    except ValueError:
        raise ValueError(f"{not_ours}: its {entry!r} entry is not a NumPy array") from None
    if version not in _NPY_HEADER_READERS:
        raise ValueError(
            f"{not_ours}: its {entry!r} entry is in .npy format version {version}, "
            "which save_network never writes"
        )
    try:
        shape, _, dtype = _NPY_HEADER_READERS[version](stream)
    except ValueError as error:
        raise ValueError(f"{not_ours}: its {entry!r} entry is damaged ({error})") from None
    if dtype.hasobject:
        raise ValueError(
            f"{not_ours}: its {entry!r} entry holds pickled Python objects, "
            "which dllab never loads (unpickling can run any code)"
        )
    return shape, dtype


def _read_into(stream: BinaryIO, array: NDArray, entry: str, not_ours: str) -> None:
    """Fill `array` from `stream`, which must hold exactly its bytes."""
    buffer = memoryview(array.reshape(-1).view(np.uint8))
    filled = 0
    while filled < len(buffer):
        count = stream.readinto(buffer[filled : filled + _CHUNK_BYTES])
        if not count:
            raise ValueError(f"{not_ours}: its {entry!r} entry is cut short")
        filled += count
    if stream.read(1):  # also reaches the end, where the zip checks the data's CRC
        raise ValueError(f"{not_ours}: its {entry!r} entry holds more data than it declares")


def _config_fits(where: str, shape: tuple[int, ...], dtype: np.dtype) -> None:
    not_ours = f"{where} is not a dllab network file"
    if dtype.kind != "U" or shape != ():
        raise ValueError(
            f"{not_ours}: its 'config' entry must be one text string; "
            f"got an array of dtype {dtype} and shape {shape}"
        )
    n_chars = dtype.itemsize // 4  # 4 bytes a character
    if n_chars > MAX_CONFIG_CHARS:
        raise ValueError(
            f"{not_ours}: its 'config' entry holds {n_chars:,} characters, and the settings "
            f"of a saved network take at most {MAX_CONFIG_CHARS:,}"
        )


def _parse_config(config: NDArray, where: str) -> dict[str, Any]:
    """The JSON document, checked down to its format marker, version and top-level keys."""
    not_ours = f"{where} is not a dllab network file"
    try:
        document = json.loads(str(config.item()), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"{not_ours}: its 'config' entry is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else None
        raise ValueError(f"{not_ours}: its format marker is {found!r}, not {FORMAT!r}")
    version = document.get("version")
    if type(version) is not int or not 1 <= version <= FORMAT_VERSION:
        if type(version) is int and version > FORMAT_VERSION:
            reason = "it was saved by a newer dllab; update dllab to load it"
        else:
            reason = "this version is unknown"
        raise ValueError(
            f"{where} has dllab network format version {version!r}, and this dllab reads "
            f"versions 1 to {FORMAT_VERSION}: {reason}"
        )
    expected = {"format", "version", "network", "settings"}
    if set(document) != expected:
        raise ValueError(
            f"{where} is a damaged dllab network file: its config has the keys "
            f"{sorted(document)}, expected {sorted(expected)}"
        )
    for key in ("network", "settings"):
        if not isinstance(document[key], dict):
            raise ValueError(
                f"{where} is a damaged dllab network file: its config's {key!r} must be "
                f"a JSON object; got {short_repr(document[key])}"
            )
    return document


def _check_network_config(config: dict[str, Any], where: str) -> dict[str, Any]:
    """The keyword arguments that rebuild the network: exactly Network's settings."""
    allowed = set(inspect.signature(Network).parameters) - {"seed"}
    if set(config) != allowed:
        raise ValueError(
            f"{where} holds invalid network settings: missing {sorted(allowed - set(config))}, "
            f"unknown {sorted(set(config) - allowed)}; a saved network has exactly "
            f"{sorted(allowed)}"
        )
    return config


def _dense_params(where: str, sizes: Any) -> int:
    """The number of parameters of a dense network of `sizes`, checked."""
    try:
        return count_params(check_sizes(sizes))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where} holds invalid network settings: {error}") from None


def _layered_params(where: str, config: Any) -> int:
    """The number of parameters of the layer network `config` describes, checked."""
    try:
        return count_config_params(config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where} holds invalid network settings: {error}") from None


def _params_fit(
    where: str, described: str, n_params: int, shape: tuple[int, ...], dtype: np.dtype
) -> None:
    """Refuse a params entry that is not the float64 vector of the saved network's size."""
    if dtype != np.float64 or shape != (n_params,):
        raise ValueError(
            f"{where} is a damaged dllab network file: {described} has "
            f"{n_params} float64 parameters; the file holds an array of dtype {dtype} "
            f"and shape {shape}"
        )


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")
