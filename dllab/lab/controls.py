"""The lab's controls, declared once as data (`CONTROLS`) and bound to `LabModel`'s traits
by `dllab.ui.build_controls`; and the two controls that are more than one ipywidget."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w
import traitlets as t

from ..core import ACTIVATIONS, FEATURES, OPTIMIZERS
from ..core.network import INITIALIZERS, REGULARIZERS
from ..ui import Control
from ..ui.theme import HEAD_LABELS, dataset_options, rate_label
from .limits import (
    FILTER_RANGE,
    MAX_CONV_LAYERS,
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS_PER_LAYER,
    MAX_SEED,
    TRAIN_SHARE_RANGE,
)

# TensorFlow Playground's choices of learning rate and regularisation rate (any other rate
# the engine accepts is added to a control when the model holds it).
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


class _WidthsText(t.Unicode):
    """Text that shows a list of widths as '8, 6, 4'."""

    def validate(self, obj, value):
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(width) for width in value)
        return super().validate(obj, value)


class LayerWidthsText(w.Text):
    """A text box for `LabModel.hidden`: it shows the model's widths as '8, 6, 4', and what
    is typed goes to the model as it is (the model reads it, or says why it cannot)."""

    value = _WidthsText(help="hidden layer widths").tag(sync=True)


class PlayButton(w.ToggleButton):
    """Play / Pause, as the button reads."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.observe(self._show, names="value")
        self._show()

    def _show(self, change=None) -> None:
        with self.hold_sync():  # one message, not one per trait
            self.description = "Pause" if self.value else "Play"
            self.icon = "pause" if self.value else "play"


class FeatureToggles(w.GridBox):
    """One toggle button per input feature; `value` lists those turned on."""

    value = t.List(t.Unicode())

    def __init__(self, names: Sequence[str] = FEATURES, style=None, **kwargs) -> None:
        self.buttons = {
            name: w.ToggleButton(
                description=name,
                tooltip=f"feed {name} to the network",
                layout=w.Layout(width="74px"),
            )
            for name in names
        }
        kwargs.setdefault("layout", w.Layout(grid_template_columns="repeat(3, 78px)"))
        super().__init__(list(self.buttons.values()), **kwargs)
        for button in self.buttons.values():
            button.observe(self._toggled, names="value")
        self.observe(self._show, names="value")
        self._show()

    @property
    def disabled(self) -> bool:
        return all(button.disabled for button in self.buttons.values())

    @disabled.setter
    def disabled(self, disabled: bool) -> None:
        for button in self.buttons.values():
            button.disabled = disabled

    def _toggled(self, change) -> None:
        # One button's change applied to the list (a button set from `value` changes nothing).
        name = change.owner.description
        self.value = [n for n in self.buttons if (change.new if n == name else n in self.value)]

    def _show(self, change=None) -> None:
        for name, button in self.buttons.items():
            button.value = name in self.value


def _rates(rates: Sequence[float]) -> list[tuple[str, float]]:
    return [(rate_label(rate), rate) for rate in rates]


CONTROLS: list[Control] = [
    ("playing", PlayButton, dict(button_style="success", tooltip="train / pause")),
    (
        "dataset",
        w.Dropdown,
        dict(description="Dataset", options=lambda model: dataset_options(model.dataset_names())),
    ),
    (
        "noise",
        w.FloatSlider,
        dict(description="Noise", min=0, max=0.5, step=0.05, readout_format=".0%"),
    ),
    (
        "train_share",
        w.FloatSlider,
        dict(
            description="Training data",
            min=TRAIN_SHARE_RANGE[0],
            max=TRAIN_SHARE_RANGE[1],
            step=0.1,
            readout_format=".0%",
        ),
    ),
    ("batch_size", w.IntSlider, dict(description="Batch size", min=1, max=30)),
    ("features", FeatureToggles, dict(names=FEATURES)),
    ("depth", w.IntSlider, dict(description="Hidden layers", min=0, max=MAX_HIDDEN_LAYERS)),
    (
        "width",
        w.IntSlider,
        dict(description="Neurons per layer", min=1, max=MAX_NEURONS_PER_LAYER),
    ),
    (
        "hidden",
        LayerWidthsText,
        dict(description="Layer widths", placeholder="e.g. 8, 6, 4", continuous_update=False),
    ),
    ("activation", w.Dropdown, dict(description="Activation", options=list(ACTIVATIONS))),
    # Shown for pictures only (see Lab._show_conv).
    ("conv_layers", w.IntSlider, dict(description="Conv layers", min=0, max=MAX_CONV_LAYERS)),
    (
        "filters",
        w.IntSlider,
        dict(description="Filters", min=FILTER_RANGE[0], max=FILTER_RANGE[1]),
    ),
    (
        "head",
        w.Dropdown,
        dict(description="Problem", options=[(label, key) for key, label in HEAD_LABELS.items()]),
    ),
    ("init", w.Dropdown, dict(description="Initial weights", options=list(INITIALIZERS))),
    ("regularization", w.Dropdown, dict(description="Regularization", options=list(REGULARIZERS))),
    (
        "regularization_rate",
        w.Dropdown,
        dict(description="Regularization rate", options=_rates(REGULARIZATION_RATES)),
    ),
    ("optimizer", w.Dropdown, dict(description="Optimizer", options=list(OPTIMIZERS))),
    (
        "learning_rate",
        w.SelectionSlider,
        dict(description="Learning rate", options=_rates(LEARNING_RATES)),
    ),
    ("seed", w.BoundedIntText, dict(description="Seed", min=0, max=MAX_SEED)),
    ("epochs_per_frame", w.IntSlider, dict(description="Speed (epochs per frame)", min=1, max=20)),
    ("example", w.IntSlider, dict(description="Test example", min=0, max=100)),
    ("show_test", w.Checkbox, dict(description="Show test data")),
    ("discretize", w.Checkbox, dict(description="Discretize output")),
]
