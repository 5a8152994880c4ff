"""Quiz a trained network on the plane: click anywhere; the network's answer, its
confidence and every neuron's activation for that one point appear at once.

`PlaneQuizModel` (no widget) turns a question into an answer with `dllab.core.quiz`;
`PlaneQuiz` shows it: the plane is a small canvas widget (`PlaneCanvas`,
`plane_quiz.js`), the network picture is the toolkit's `NetworkCanvas`.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from numbers import Real
from typing import Any

import anywidget
import ipywidgets as w
import numpy as np
import traitlets as t
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from ..core import Trainer
from ..core.digits import describe
from ..core.plane import output_score, plane_extent, plane_grid
from ..core.quiz import Answer, ask, network_inputs, network_path, signed, train_plane
from ..ui import NetworkCanvas, message_html
from ..ui.page import FromPage, canvas_script, from_page
from ..ui.theme import BLUE, ORANGE, WHITE, plural

Array = NDArray[np.float64]
SURFACE_RESOLUTION = 100  # points per side of the decision surface image
VIEW_MARGIN = 0.15  # the plane shows 15 % beyond the data's square on each side


class PlaneQuizModel(t.HasTraits):
    """A snapshot of a trained network on 2-D data, and its latest answer."""

    answer = t.Instance(Answer, allow_none=True)
    version = t.Int(0)  # bumps when another network is loaded

    def __init__(self, trainer: Trainer, how: str = "") -> None:
        super().__init__()
        self.load(trainer, how)

    def load(self, trainer: Trainer, how: str = "") -> None:
        """Quiz (a copy of) `trainer`'s network from now on."""
        if not isinstance(trainer, Trainer):
            raise TypeError(f"trainer must be a dllab Trainer; got {type(trainer).__name__}")
        dataset = trainer.data.dataset
        if dataset.n_inputs != 2:
            raise ValueError(
                f"PlaneQuiz needs 2-D data, but {dataset.name} has {dataset.n_inputs} inputs"
                + ("; for the digits use DigitQuiz" if dataset.image_shape else "")
            )
        self.network = trainer.network.copy()
        self.features = trainer.features
        self.data = trainer.data
        self.dataset = dataset
        self.extent = plane_extent(dataset)
        self.epoch = trainer.epoch
        self.test_accuracy = float(trainer.evaluate()["test_accuracy"])
        self.how = how
        grid = network_inputs(plane_grid(self.extent, 25), self.features)
        self.input_scale = np.abs(grid).max(axis=0) + 1e-12
        self.answer = None
        self.version += 1

    @property
    def task(self) -> str:
        return self.dataset.task

    def surface(self, resolution: int = SURFACE_RESOLUTION) -> Array:
        """The network's score over the square, (resolution, resolution), top row first."""
        points = plane_grid(self.extent, resolution)
        output = self.network.output(network_inputs(points, self.features))
        return output_score(output, self.network.head_name).reshape(resolution, resolution)

    def ask(self, x1: float, x2: float) -> Answer:
        """The network's answer about the point (x1, x2); also stored in `answer`. A point
        outside the data's square is moved to the nearest point inside, with a note."""
        answer = ask(
            self.network,
            x1,
            x2,
            extent=self.extent,
            task=self.task,
            classes=self.dataset.classes,
            features=self.features,
        )
        self.answer = answer
        return answer

    def description(self) -> str:
        accuracy = "" if self.task == "regression" else f", test accuracy {self.test_accuracy:.0%}"
        return (
            f"A {describe(self.network)} network, trained {plural(self.epoch, 'epoch')} on "
            f"{self.dataset.name} ({self.how}){accuracy}."
        )

    def path(self, answer: Answer | None):
        """The network picture for one answer (see `dllab.core.quiz.network_path`)."""
        names = list(self.features or self.dataset.input_names or ("x1", "x2"))
        return network_path(self.network, answer, names, self.input_scale)


# -- the plane canvas ------------------------------------------------------------------------------
class PlaneCanvas(anywidget.AnyWidget):
    """The input plane: a decision-surface image, the training points and a marker, on
    one canvas. A click (or a drag, at most every `throttle_ms`) sets `click` to
    [x1, x2, n], n counting the questions."""

    _esm = canvas_script(__file__, "plane_quiz.js")

    surface = t.Bytes(b"").tag(sync=True)  # RGBA, surface_size x surface_size, top row first
    surface_size = t.Int(0).tag(sync=True)
    points = t.Bytes(b"").tag(sync=True)  # float32 x1, x2 pairs
    values = t.Bytes(b"").tag(sync=True)  # one byte per point: (value + 1) * 127.5
    extent = t.Float(6.0).tag(sync=True)
    view = t.Float(6.9).tag(sync=True)
    axis_names = t.List(t.Unicode(), default_value=["x1", "x2"]).tag(sync=True)
    size_px = t.Int(420).tag(sync=True)
    throttle_ms = t.Int(50).tag(sync=True)
    click = FromPage([0.0, 0.0, 0.0]).tag(sync=True)  # [x1, x2, n], set by the page
    marker = t.List(t.Float(), default_value=[]).tag(sync=True)  # x1, x2, asked x1, asked x2
    frame = t.Int(0).tag(sync=True)

    @t.validate("click")
    def _check_click(self, proposal):
        """[x1, x2, n], three numbers; anything else from the page is ignored (and logged)."""
        value = proposal.value
        good = isinstance(value, (list, tuple)) and len(value) == 3
        return from_page(self, proposal, good and all(map(_is_number, value)), "not [x1, x2, n]")

    def show(self, surface: Array, points: Array, values: Array, extent: float, names) -> None:
        """surface : (n, n) scores in [-1, 1], top row first; points : (n_points, 2);
        values : (n_points,) colours in [-1, 1]."""
        with self.hold_sync():
            self.surface = surface_rgba(surface)
            self.surface_size = int(surface.shape[0])
            self.points = np.asarray(points, dtype=np.float32).tobytes()
            self.values = ((np.clip(values, -1, 1) + 1) * 127.5).round().astype(np.uint8).tobytes()
            self.extent = extent
            self.view = extent * (1 + VIEW_MARGIN)
            self.axis_names = list(names)
            self.marker = []
            self.frame += 1


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _rgb(colour: str) -> Array:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


def surface_rgba(scores: Array, lighten: float = 0.35) -> bytes:
    """Scores in [-1, 1] as RGBA bytes on the lab's orange-white-blue scale, lightened
    towards white so that the points stand out on it."""
    s = np.clip(np.nan_to_num(scores), -1, 1)[..., None]
    end = np.where(s < 0, _rgb(ORANGE), _rgb(BLUE))
    rgb = _rgb(WHITE) + (end - _rgb(WHITE)) * np.abs(s)
    rgb = rgb + (255 - rgb) * lighten
    alpha = np.full(s.shape, 255.0)
    return np.concatenate([rgb, alpha], axis=-1).round().astype(np.uint8).tobytes()


# -- the plane quiz's view -------------------------------------------------------------------------
HELP = (
    '<div style="max-width:560px;color:#444">Each square is one neuron, coloured by its '
    "value for the point you clicked: <b style='color:#0877bd'>blue</b> positive, "
    "<b style='color:#f59322'>orange</b> negative, pale near zero. The lines are the "
    "weights that carry one layer's values to the next.</div>"
)


class PlaneQuiz(w.VBox):
    """Click anywhere on the plane: the trained network's answer, its confidence and the
    path of activations through every layer for that one point.

    PlaneQuiz() trains a small network on the spiral itself (under a second);
    PlaneQuiz(trainer) quizzes a trained Trainer on 2-D data; PlaneQuiz(lab=lab) or
    PlaneQuiz.from_lab(lab) quizzes the network a Lab has trained so far (a snapshot:
    press "Take the lab's network again" after more training). `dataset`, `noise`,
    `seed`, `hidden` and `epochs` are used only when it trains its own network.
    """

    def __init__(
        self,
        trainer: Trainer | None = None,
        dataset: str = "spiral",
        *,
        lab: Any = None,
        noise: float = 0.0,
        seed: int = 0,
        hidden: Sequence[int] = (8, 8),
        epochs: int = 300,
    ) -> None:
        self._lab = lab
        if lab is not None and trainer is not None:
            raise ValueError("give PlaneQuiz a trainer or a lab, not both")
        if lab is not None:
            self.model = model = _from_lab(lab)
        else:
            how = "the trainer you gave"
            if trainer is None:
                started = time.perf_counter()
                with threadpool_limits(1, user_api="blas"):  # small products: faster so
                    trainer = train_plane(dataset, noise, seed, hidden, epochs)
                how = f"just now, in {time.perf_counter() - started:.1f} s"
            self.model = model = PlaneQuizModel(trainer, how)
        self._status = w.HTML()
        self._answer = w.HTML(layout=w.Layout(min_height="150px", width="440px"))
        self._plane = PlaneCanvas()
        self._path = NetworkCanvas(width_px=560)
        self._plane.observe(self._clicked, names="click")
        model.observe(self._show_answer, names="answer")
        model.observe(self._show_network, names="version")
        children = [self._status]
        if lab is not None:
            again = w.Button(description="Take the lab's network again", icon="refresh")
            again.on_click(lambda _: self.refresh())
            children.append(again)
        inside = w.HTML("<b>Inside the network for this point</b>")
        right = w.VBox([self._answer, inside, self._path, w.HTML(HELP)])
        children.append(w.HBox([self._plane, right]))
        super().__init__(children)
        self.add_class("dllab-plane-quiz")
        self._show_network()

    @classmethod
    def from_lab(cls, lab: Any) -> PlaneQuiz:
        """Quiz the network `lab` (a dllab Lab) has trained so far."""
        return cls(lab=lab)

    def ask(self, x1: float, x2: float) -> Answer:
        """Ask about the point (x1, x2), as a click there does."""
        return self.model.ask(x1, x2)

    def refresh(self) -> None:
        """Take the lab's network again (only for a quiz made from a lab)."""
        try:
            _from_lab(self._lab, self.model)
        except (ValueError, TypeError) as error:
            self._status.value = message_html(str(error))

    def _clicked(self, change) -> None:
        x1, x2, _ = change.new
        try:
            self.model.ask(x1, x2)
        except (ValueError, TypeError) as error:
            self._answer.value = message_html(str(error))

    def _show_network(self, change=None) -> None:
        model = self.model
        data = model.data
        values = (
            data.y_train
            if model.task != "multiclass"
            else 2 * data.y_train / max(1, model.dataset.n_classes - 1) - 1
        )
        self._plane.show(
            model.surface(),
            data.X_train,
            np.asarray(values, dtype=np.float64),
            model.extent,
            model.dataset.input_names or ("x1", "x2"),
        )
        self._status.value = (
            f'<div class="dllab-status">{html.escape(model.description())} '
            "<b>Click anywhere on the plane</b> (or drag across it) to ask it about that point."
            "</div>"
        )
        question = "what value is here?" if model.task == "regression" else "which class is this?"
        self._answer.value = (
            '<div class="dllab-quiz-answer" data-click="0" style="font-size:1.2em;color:#444">'
            f"Click on the plane to ask the network: <i>{question}</i></div>"
        )
        # 52 px per neuron (+14) is where NetworkCanvas's tiles fit its height exactly.
        self._path.height_px = max(260, 52 * max(model.network.sizes) + 14)
        self._path.show(*model.path(None))

    def _show_answer(self, change) -> None:
        answer = change.new
        if answer is None:
            return
        # The timed part first: the answer, then the marker, then the network picture.
        self._answer.value = self._answer_html(answer, int(self._plane.click[2]))
        self._plane.marker = [*answer.point, *answer.asked]
        self._path.show(*self.model.path(answer))

    def _answer_html(self, answer: Answer, click: int) -> str:
        model = self.model
        x1, x2 = model.dataset.input_names or ("x1", "x2")
        where = f"at {x1} = {signed(answer.point[0])}, {x2} = {signed(answer.point[1])}"
        said = f"It says <b>{html.escape(answer.label)}</b>"
        if model.task == "regression":
            sure = "<div>A value, not a class: there is no confidence to show.</div>"
            swatch = _swatch(float(np.clip(answer.prediction, -1, 1)))
        else:
            swatch = _swatch(answer.prediction if model.task == "binary" else 0.0)
            bar = (
                f'<span style="display:inline-block;width:160px;height:12px;background:#eee;'
                f'vertical-align:middle;margin-left:8px"><span style="display:block;height:12px;'
                f'width:{answer.confidence:.0%};background:#555"></span></span>'
            )
            sure = (
                f'<div class="dllab-quiz-confidence">Confidence '
                f"<b>{answer.confidence:.0%}</b>{bar}</div>"
            )
        note = (
            f'<div class="dllab-quiz-note" style="color:#8a4b00;font-size:0.85em;margin-top:6px">'
            f"{html.escape(answer.note)}</div>"
            if answer.note
            else ""
        )
        return (
            f'<div class="dllab-quiz-answer" data-click="{click}" style="font-size:1.2em">'
            f'<div class="dllab-quiz-prediction" style="font-size:1.5em;margin-bottom:4px">'
            f"{swatch}{said}</div>{sure}"
            f'<div style="color:#555;font-size:0.9em">{where}</div>{note}</div>'
        )


def _swatch(score: float) -> str:
    rgb = _rgb(WHITE) + ((_rgb(BLUE) if score >= 0 else _rgb(ORANGE)) - _rgb(WHITE)) * abs(score)
    colour = "#" + "".join(f"{int(round(c)):02x}" for c in rgb)
    return (
        f'<span style="display:inline-block;width:0.8em;height:0.8em;border-radius:50%;'
        f'background:{colour};border:1px solid #666;margin-right:8px"></span>'
    )


def _from_lab(lab: Any, model: PlaneQuizModel | None = None) -> PlaneQuizModel:
    """A model of (a copy of) the network a Lab has trained so far, or `model` loaded with
    it; taken under the lab's lock, as the lab may be training in another thread."""
    lab_model = getattr(lab, "model", None)
    if lab_model is None or not hasattr(lab_model, "lock"):
        raise TypeError(f"lab must be a dllab Lab; got {type(lab).__name__}")
    with lab_model.lock:
        trainer = lab_model.trainer
        if trainer is None:
            raise ValueError(
                f"the lab has no network to quiz ({lab_model.message or lab_model.status}): "
                "fix its settings first"
            )
        if model is None:
            return PlaneQuizModel(trainer, "from the lab")
        model.load(trainer, "from the lab")
        return model
