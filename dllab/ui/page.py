"""What the canvas widgets share: their scripts, put together with the helpers they use,
and the check of a value the page sets (the page is not trusted: a malformed value is
ignored and logged, never an exception)."""

from __future__ import annotations

import logging
import pathlib
from typing import Any

import traitlets as t

log = logging.getLogger("dllab")
HELPERS = pathlib.Path(__file__).with_name("canvas_bytes.js")


def canvas_script(path: str | pathlib.Path, name: str | None = None) -> str:
    """The module script at `path` (or the file `name` beside the module file `path`:
    `canvas_script(__file__, "plane_quiz.js")`), after the helpers the canvas scripts
    share (`asBytes`)."""
    script = pathlib.Path(path) if name is None else pathlib.Path(path).with_name(name)
    return HELPERS.read_text() + "\n" + script.read_text()


class FromPage(t.Any):
    """A trait the page sets: any value, None included, reaches the widget's validator
    (a typed trait would raise on a malformed one, and Any lets None past validators)."""

    allow_none = False


def from_page(widget: t.HasTraits, proposal: Any, good: bool, expected: str) -> Any:
    """In a validator of a `FromPage` trait: the value proposed if `good`, else the last
    good value (the page's is logged and ignored). The last good value is kept aside:
    while ipywidgets applies the page's message, the trait already holds the new value."""
    name = proposal.trait.name
    if good:
        setattr(widget, f"_good_{name}", proposal.value)
        return proposal.value
    log.warning("ignored %s=%.200r from the page: %s", name, proposal.value, expected)
    return getattr(widget, f"_good_{name}", proposal.trait.default_value)
