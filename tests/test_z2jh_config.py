"""deploy/z2jh/config.yaml against the Zero to JupyterHub chart it is written for.

Helm merges a config into the chart's default values and validates the result with the
chart's values schema (tests/data/z2jh/, copied from the chart's release; SOURCE.md
there). That schema forbids every key it does not document, except the traitlets
settings under `hub.config`: those are checked against JupyterHub's own classes.
"""

from __future__ import annotations

import copy
import functools
import importlib.metadata
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from traitlets.config import Configurable

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "z2jh" / "config.yaml"
CHART = ROOT / "tests" / "data" / "z2jh"
UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def load(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def chart() -> tuple[jsonschema.Draft7Validator, dict]:
    """The chart's schema, as a validator, and its default values (read once)."""
    return jsonschema.Draft7Validator(load(CHART / "values.schema.yaml")), load(
        CHART / "values.yaml"
    )


def helm_merge(defaults: dict, values: dict) -> dict:
    """`values` over `defaults` as Helm coalesces them: maps merge key by key, anything
    else replaces, and a null removes the default."""
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def schema_errors(values: dict) -> list[str]:
    """What the chart's schema says about `values` merged into its defaults."""
    validator, defaults = chart()
    merged = helm_merge(defaults, values)
    return [
        f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(merged)
    ]


def _configurable(name: str) -> type[Configurable]:
    """The class that `hub.config.<name>` configures, from the hub's packages."""
    from firstuseauthenticator import FirstUseAuthenticator
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator

    classes = {"JupyterHub": JupyterHub, "Authenticator": Authenticator}
    classes["FirstUseAuthenticator"] = FirstUseAuthenticator
    return classes[name]


def traitlets_errors(hub_config: dict) -> list[str]:
    """Settings under `hub.config` that name no configurable trait of their class."""
    errors = []
    for class_name, settings in hub_config.items():
        traits = _configurable(class_name).class_traits(config=True)
        errors += [f"{class_name}.{name}" for name in settings if name not in traits]
    return errors


def bytes_of(quantity) -> float:
    """A Kubernetes memory quantity as the chart takes it (512M, 1G, 1.5G) in bytes."""
    number, unit = re.fullmatch(r"([0-9.]+)([KMGT]?)", str(quantity)).groups()
    return float(number) * UNITS[unit]


def test_the_config_is_yaml_the_chart_accepts():
    values = load(CONFIG)
    assert isinstance(values, dict)
    assert schema_errors(values) == []
    assert traitlets_errors(values["hub"]["config"]) == []


def test_the_chart_defaults_alone_pass_the_same_check():
    assert schema_errors({}) == []


@pytest.mark.parametrize(
    "path, value, expected",
    [
        (["singleuser", "defaultURL"], "/voila/render/notebooks/lab.ipynb", "defaultURL"),
        (["singleuser", "memory", "guarantte"], "400M", "guarantte"),
        (["cull", "timout"], 1800, "timout"),
        (["singleuser", "cpu", "limit"], "one core", "one core"),
        (["hub", "config", "firstUseAuthenticator"], {"min_password_length": 8}, "firstUse"),
    ],
)
def test_a_misspelt_or_mistyped_setting_fails(path, value, expected):
    values = load(CONFIG)
    node = values
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    errors = schema_errors(values)
    assert errors and any(expected in error for error in errors), errors


def test_a_misspelt_traitlets_setting_fails():
    hub_config = load(CONFIG)["hub"]["config"]
    hub_config["FirstUseAuthenticator"]["min_pasword_length"] = 8
    hub_config["Authenticator"]["allowed_user"] = ["teacher"]
    assert traitlets_errors(hub_config) == [
        "FirstUseAuthenticator.min_pasword_length",
        "Authenticator.allowed_user",
    ]


def test_the_authenticator_is_the_one_the_chart_ships():
    """The chart's hub image holds jupyterhub-firstuseauthenticator; its entry point name
    is what `authenticator_class` says."""
    name = load(CONFIG)["hub"]["config"]["JupyterHub"]["authenticator_class"]
    points = importlib.metadata.entry_points(group="jupyterhub.authenticators")
    assert points[name].load() is _configurable("FirstUseAuthenticator")


def test_the_sizes_leave_a_guarantee_under_the_limit():
    singleuser = load(CONFIG)["singleuser"]
    memory, cpu = singleuser["memory"], singleuser["cpu"]
    assert 0 < bytes_of(memory["guarantee"]) < bytes_of(memory["limit"])
    assert 0 < cpu["guarantee"] < cpu["limit"]


def test_the_default_page_is_a_notebook_of_the_repository():
    """repo2docker puts the repository in the image's home, the server's root folder."""
    url = load(CONFIG)["singleuser"]["defaultUrl"]
    prefix = "/voila/render/"
    assert url.startswith(prefix) and (ROOT / url[len(prefix) :]).is_file()
