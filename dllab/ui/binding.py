"""One way to bind a control to a model's trait, for the lab and every lesson.

The control writes into the model; the model's value flows back to the control. A value
the model refuses is said in a `MessageArea` (and kept there) and the control shows the
model's value again. A control never shows a value other than the model's: a value
outside its range or options (a learning rate off the list, a seed past a box's maximum)
is added to them.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w
import traitlets as t

from .messages import MessageArea
from .theme import STYLE, rate_label

REFUSALS = (t.TraitError, ValueError, TypeError)
# (trait, widget class, keyword arguments): controls declared as data. A keyword's value
# that is callable is called with the model (options that depend on it).
Control = tuple[str, type, dict[str, Any]]


def bind(
    model: t.HasTraits,
    trait: str,
    widget: w.ValueWidget,
    messages: MessageArea | None = None,
    on_accept: Callable[[str], None] | None = None,
) -> w.ValueWidget:
    """Bind `widget.value` to `model.<trait>` both ways; returns the widget.

    on_accept(trait) runs after the learner's change was accepted by the model.
    """
    showing = threading.local()  # True while the model's value is being shown back

    def to_widget(change: Any = None) -> None:
        value = getattr(model, trait)
        showing.now = True
        try:
            # One message to the page: the room made, the value, and what the widget
            # changes itself when its value does (the Play button's label and icon).
            with widget.hold_sync():
                make_room(widget, value)
                if widget.value != value:
                    widget.value = value
        finally:
            showing.now = False

    def to_model(change: Any) -> None:
        if getattr(showing, "now", False) or _same(change.new, getattr(model, trait)):
            return
        try:
            setattr(model, trait, change.new)
        except REFUSALS as error:
            if messages is not None:
                messages.refuse(str(error))
            to_widget()
        else:
            if messages is not None:
                messages.accept()
            if on_accept is not None:
                on_accept(trait)

    to_widget()
    widget.observe(to_model, names="value")
    model.observe(to_widget, names=trait)
    return widget


def build_controls(
    model: t.HasTraits,
    table: Sequence[Control],
    messages: MessageArea | None = None,
    on_accept: Callable[[str], None] | None = None,
) -> dict[str, w.ValueWidget]:
    """Make and bind every control of `table`; returns them by trait."""
    controls = {}
    for trait, widget_class, kwargs in table:
        kwargs = {key: value(model) if callable(value) else value for key, value in kwargs.items()}
        kwargs.setdefault("style", STYLE)
        controls[trait] = bind(model, trait, widget_class(**kwargs), messages, on_accept)
    return controls


def make_room(widget: w.ValueWidget, value: Any) -> None:
    """Widen `widget`'s range, or add to its options, so that it can show `value`."""
    options = getattr(widget, "options", None)
    if options is not None:
        values = [option[1] if isinstance(option, tuple) else option for option in options]
        if value in values or value is None:
            return
        entry = (rate_label(value) if isinstance(value, float) else str(value), value)
        pairs = [
            option if isinstance(option, tuple) else (str(option), option) for option in options
        ]
        numeric = isinstance(value, (int, float)) and all(
            isinstance(v, (int, float)) for v in values
        )
        at = bisect.bisect([v for _, v in pairs], value) if numeric else len(pairs)
        widget.options = [*pairs[:at], entry, *pairs[at:]]
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if hasattr(widget, "max") and value > widget.max:
            widget.max = value
        if hasattr(widget, "min") and value < widget.min:
            widget.min = value


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except ValueError:  # arrays
        return False
