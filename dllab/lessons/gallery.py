"""Lesson 3, part 2: what the layers of a deep network compute. `LayerGallery` trains one
deep network on the spiral and shows its first and last hidden layers over the plane:
straight lines first, curved shapes built from them last. On handwritten digits: the first
layer's weights as pictures, the later layers' values for one test example, the true
digit and the network's answer.

`GalleryModel` trains the two networks (the lab's own `LabModel`s) on a `dllab.ui.Runner`
and refers to no widget; `LayerGallery` is its view.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
import numpy as np
import traitlets as t

from ..core.checks import check_int
from ..core.sweep import MAX_EPOCHS
from ..lab.model import MAX_NEURONS_PER_LAYER, LabModel
from ..ui import Background, MessageArea, NetworkCanvas, Runner
from ..ui.theme import ERROR_RED, FONT, STYLE

STAGES = ("ready", "spiral", "digits", "done", "error")


@dataclass(frozen=True)
class Answer:
    """The digits network on one test example: the true digit, its answer, how sure."""

    index: int
    true: str
    predicted: str
    confidence: float  # the probability it gives its answer, 0 to 1

    @property
    def right(self) -> bool:
        return self.true == self.predicted

    def text(self) -> str:
        """'True digit: 7 · the network says: 7 (94%)'."""
        return (
            f"True digit: {self.true} · the network says: {self.predicted} ({self.confidence:.0%})"
        )


class GalleryModel(Background, t.HasTraits):
    """Two trained networks to look inside: a deep one on the spiral and one on digits.

    Both are the lab's own models (`LabModel`), so the pictures are the lab's. `start()`
    trains them on a background thread, `train()` waits for it; `version` changes after
    every chunk of epochs, so a view can show the pictures forming.
    """

    stage = t.Enum(STAGES, default_value="ready")
    message = t.Unicode("")
    version = t.Int(0)
    example = t.Int(0)  # the digits test example whose activations are shown

    def __init__(
        self,
        hidden: Any = (8, 8, 8, 8),
        epochs: int = 300,
        digits_hidden: Any = (16, 16),
        digits_epochs: int = 30,
        seed: int = 0,
        chunk: int = 25,
    ) -> None:
        super().__init__()
        self.epochs = check_int("epochs", epochs, 1, MAX_EPOCHS)
        self.digits_epochs = check_int("digits_epochs", digits_epochs, 1, MAX_EPOCHS)
        self.chunk = check_int("chunk", chunk, 1)
        self.plane = _lab_model(
            "hidden", hidden, dataset="spiral", optimizer="adam", learning_rate=0.003, seed=seed
        )
        if self.plane.depth < 2:
            raise ValueError(
                f"hidden={list(hidden)} has {self.plane.depth} hidden layer: the gallery "
                "compares the first hidden layer with the last, so it needs at least 2"
            )
        self._digits_hidden = list(_check_hidden("digits_hidden", digits_hidden))
        self._seed = seed
        self.digits: LabModel | None = None
        self._runner = Runner(self._train, self._failed, name="dllab-gallery")

    @t.validate("example")
    def _check_example(self, proposal):
        return int(max(0, proposal.value))

    @t.observe("example")
    def _example_changed(self, change) -> None:
        if self.digits is not None:
            self.digits.example = change.new

    training = Background.running

    def start(self) -> None:
        """Train on a background thread (once; again only after it has finished)."""
        if not self.training:
            self._runner.request()

    def train(self) -> None:
        """Train both networks and wait until they are trained."""
        self.start()
        self.wait()

    def answer(self) -> Answer | None:
        """What the digits network says about the chosen test example (None before it
        exists)."""
        digits = self.digits
        if digits is None or digits.trainer is None:
            return None
        with digits.lock:
            trainer = digits.trainer
            index = self.example % len(trainer.X_test)
            probabilities = trainer.network.output(trainer.X_test[index : index + 1])[0]
            classes = trainer.data.dataset.classes
            true = classes[int(trainer.data.y_test[index])]
        best = int(np.argmax(probabilities))
        return Answer(index, true, classes[best], float(probabilities[best]))

    def _train(self, should_stop) -> None:
        """The spiral network, then the digits network, a chunk of epochs at a time."""
        chunk = self.chunk
        self.stage = "spiral"
        for done in range(0, self.epochs, chunk):
            if should_stop():
                return
            self.plane.advance(min(chunk, self.epochs - done))
            self.message = f"Training the spiral network: epoch {self.plane.epoch} of {self.epochs}"
            self.version += 1
        self.stage = "digits"
        self.message = "Loading the handwritten digits..."
        if self.digits is None:
            self.digits = _lab_model(
                "digits_hidden",
                self._digits_hidden,
                dataset="digits",
                learning_rate=0.03,
                seed=self._seed,
                example=self.example,
            )
        step = max(1, chunk // 5)
        for done in range(0, self.digits_epochs, step):
            if should_stop():
                return
            self.digits.advance(min(step, self.digits_epochs - done))
            self.message = (
                f"Training the digits network: epoch {self.digits.epoch} of {self.digits_epochs}"
            )
            self.version += 1
        spiral = self.plane.trainer.history["test_accuracy"][-1]
        digits = self.digits.trainer.history["test_accuracy"][-1]
        self.message = f"Trained. Test accuracy: spiral {spiral:.0%}, digits {digits:.0%}."
        self.stage = "done"
        self.version += 1

    def _failed(self, error: Exception) -> None:
        self.message = f"training failed: {error}"
        self.stage = "error"


def _check_hidden(name: str, hidden: Any) -> tuple[int, ...]:
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"{name} must be a list of layer widths, e.g. [8, 8, 8, 8]; got {hidden!r}")
    widths = tuple(hidden)
    if not widths:
        raise ValueError(f"{name}=[] has no hidden layer; give at least one width, e.g. [8, 8]")
    limit = MAX_NEURONS_PER_LAYER
    return tuple(check_int(f"{name} (layer width)", width, 1, limit) for width in widths)


def _lab_model(name: str, hidden: Any, **settings: Any) -> LabModel:
    """A lab model with these hidden layers; the lab's limits, reported under `name`."""
    widths = _check_hidden(name, hidden)
    try:
        return LabModel(hidden=list(widths), **settings)
    except (t.TraitError, ValueError) as error:
        raise ValueError(f"{name}={list(widths)}: {error}") from None


class LayerGallery(w.VBox):
    """What the layers of a deep network compute.

    Top: a network of four hidden layers of 8 neurons trained on the spiral; its first
    hidden layer beside its last, each neuron drawn over the whole input plane. Bottom: a
    network trained on handwritten digits; its first layer's weights as 8 x 8 pictures,
    every later layer's activations for the test example chosen with the slider, the true
    digit and the network's answer. Both train on a background thread when the gallery
    appears (a few seconds).
    """

    def __init__(self, *args: Any, autostart: bool = True, **settings: Any) -> None:
        """The settings of GalleryModel: hidden, epochs, digits_hidden, digits_epochs, seed;
        `autostart`: train as soon as the gallery is made."""
        self.model = model = GalleryModel(*args, **settings)
        depth = model.plane.depth
        self._status = MessageArea()
        self._plane_canvas = NetworkCanvas(width_px=520, height_px=430)
        self._digits_canvas = NetworkCanvas(width_px=620, height_px=640)
        self._example = w.IntSlider(
            description="Test example", min=0, max=1, value=0, style=STYLE, disabled=True
        )
        self._answer = w.HTML(layout=w.Layout(min_height="28px"))
        self._example.observe(self._example_chosen, names="value")
        plane_text = w.HTML(
            f'<p style="{FONT}"><b>Spiral.</b> Each square is one neuron, coloured by its value '
            "at every point of the plane (blue positive, orange negative). The neurons of the "
            "<b>first hidden layer</b> can only draw <b>straight-line</b> boundaries: each is "
            "one tilted edge. Layer by layer the network combines them, and the neurons of the "
            f"<b>last hidden layer</b> (layer {depth}) hold <b>curved, composed shapes</b>: "
            "pieces of the spiral that no single straight line could draw.</p>",
            layout=w.Layout(width="440px"),
        )
        digits_text = w.HTML(
            f'<p style="{FONT}"><b>Handwritten digits.</b> Left, the test example. Next, each '
            "neuron of the first hidden layer drawn as its 64 weights, an 8 x 8 picture of the "
            "pixel pattern it looks for (blue: ink there raises it, orange: lowers it): blobs "
            "and strokes. The columns after it are the later layers' values for this example, "
            "each built from the patterns before it; the last column is the network's answer, "
            "one square per digit (the bluest wins).</p>",
            layout=w.Layout(width="440px"),
        )
        model.observe(self._draw, names=["version"])
        model.observe(self._draw_digits, names=["example"])
        model.observe(self._show_status, names=["message", "stage"])
        super().__init__(
            [
                self._status,
                w.HBox([self._plane_canvas, plane_text], layout=w.Layout(align_items="center")),
                w.HBox(
                    [self._digits_canvas, w.VBox([digits_text, self._example, self._answer])],
                    layout=w.Layout(align_items="center"),
                ),
            ]
        )
        self.add_class("dllab-layer-gallery")
        self._draw()
        self._show_status()
        if autostart:
            model.start()

    def close(self) -> None:
        """Stop training, and take the gallery off the page."""
        if hasattr(self, "model"):  # not when its settings were refused
            self.model.close()
        super().close()

    def train(self) -> None:
        """Train both networks and wait (the gallery starts on its own when shown)."""
        self.model.train()

    def _example_chosen(self, change) -> None:
        self.model.example = change.new

    def _draw(self, change=None) -> None:
        self._draw_plane()
        self._draw_digits()

    def _draw_plane(self) -> None:
        frame = self.model.plane.frame()
        if frame is None:
            return
        depth = len(frame.tiles) - 2
        self._plane_canvas.show(
            [frame.tiles[1], frame.tiles[-2], frame.tiles[-1]],
            [frame.weights[-1]],
            ["First hidden layer", f"Last hidden layer ({depth})", "Output"],
            link_from=1,
            run=self.model.version,
        )

    def _draw_digits(self, change=None) -> None:
        digits = self.model.digits
        if digits is None:
            return
        frame = digits.frame()
        if frame is None:
            return
        n_test = len(digits.trainer.X_test)
        if self._example.disabled:
            self._example.max = n_test - 1
            self._example.disabled = False
        n = len(frame.tiles)
        titles = ["Example", "Layer 1 weights", *[f"Layer {i}" for i in range(2, n - 1)], "Output"]
        labels = [None] * (n - 1) + [list(digits.trainer.data.dataset.classes)]
        self._digits_canvas.show(
            frame.tiles,
            frame.weights,
            titles,
            labels,
            link_from=frame.link_from,
            run=self.model.version,
        )
        self._show_answer()

    def _show_answer(self) -> None:
        answer = self.model.answer()
        if answer is None:
            self._answer.value = ""
            return
        verdict = "" if answer.right else f': <b style="color:{ERROR_RED}">wrong</b>'
        self._answer.value = (
            f'<div class="dllab-digit-answer" style="{FONT}">'
            f"{html.escape(answer.text())}{verdict}</div>"
        )

    def _show_status(self, change=None) -> None:
        model = self.model
        self._status.status(model.message, "error" if model.stage == "error" else "info")
