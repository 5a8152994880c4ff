"""Lesson: why depth matters.

`DepthSweep` trains a grid of networks, one per (number of hidden layers, neurons per
layer), and fills a heatmap of their test losses as they finish: where the grid turns
blue, depth helped. `LayerGallery` trains one deep network and shows what its first and
last hidden layers compute: straight lines first, curved shapes built from them last; on
digits, the first layer's weights as pictures.

Each widget is a thin view over a small model with no widget in it (`SweepModel`,
`GalleryModel`). Training runs on a background thread, so the page stays responsive.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t
from threadpoolctl import threadpool_limits

from ..core import make_dataset, split
from ..core.checks import check_choice, check_int
from ..core.optimizers import check_learning_rate
from ..core.sweep import MAX_EPOCHS, SweepResult, check_grid, sweep
from ..lab.model import LabModel
from ..ui import NetworkCanvas
from ..ui.theme import BLUE, DATASET_LABELS, ORANGE, WHITE

SWEEP_DATASETS = ("spiral", "xor", "circle")
PROGRESS_INTERVAL = 0.25  # seconds between progress messages while a sweep runs
STYLE = {"description_width": "initial"}
TEST_COLOUR, TRAIN_COLOUR = "#222222", "#9a9a9a"


def layers_label(depth: int) -> str:
    return f"{depth} layer" if depth == 1 else f"{depth} layers"


# --- the sweep ---------------------------------------------------------------------------------


class SweepModel(t.HasTraits):
    """A depth x width sweep: its settings, its (partial) result and its progress.

    `run()` sweeps on the calling thread, `start()` on a background thread, `cancel()` stops
    it after the current epoch. The result fills in as networks finish; `n_done` changes
    once per finished depth, `progress` at most every PROGRESS_INTERVAL seconds.
    """

    dataset = t.Unicode("spiral")
    status = t.Unicode("ready")  # ready, running, done, cancelled, error
    message = t.Unicode("")
    progress = t.Unicode("")
    n_done = t.Int(0)
    run_id = t.Int(0)  # a new run (and an empty result) each time it changes
    chosen = t.Tuple(t.Int(), t.Int(), default_value=(-1, -1))  # (depth, width) or none

    def __init__(
        self,
        dataset: str = "spiral",
        depths: Any = range(1, 7),
        widths: Any = (2, 3, 4, 6, 8, 12),
        epochs: int = 300,
        learning_rate: float = 0.03,
        batch_size: int = 10,
        seed: int = 0,
    ) -> None:
        dataset = check_choice("dataset", dataset, SWEEP_DATASETS)
        self.depths, self.widths = check_grid(depths, widths)
        for name, values in (("depths", self.depths), ("widths", self.widths)):
            if len(values) < 2:  # and a grid of one row or column is more than bqplot draws
                raise ValueError(
                    f"{name}={list(values)} gives nothing to compare: give at least two values"
                )
        self.epochs = check_int("epochs", epochs, 1, MAX_EPOCHS)
        self.settings = dict(
            learning_rate=check_learning_rate(learning_rate),
            batch_size=check_int("batch_size", batch_size, 1),
            seed=check_int("seed", seed, 0),
        )
        self.result = SweepResult.empty(self.depths, self.widths, self.epochs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_progress = 0.0
        super().__init__(dataset=dataset)

    @t.validate("dataset")
    def _check_dataset(self, proposal):
        try:
            return check_choice("dataset", proposal.value, SWEEP_DATASETS)
        except ValueError as error:
            raise t.TraitError(str(error)) from None

    @t.observe("dataset")
    def _dataset_changed(self, change) -> None:
        if self.running:
            self.cancel()
            self.wait()
        self._clear()
        self.status, self.message = "ready", ""

    @property
    def n_networks(self) -> int:
        return len(self.depths) * len(self.widths)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- running ------------------------------------------------------------------------------
    def start(self) -> bool:
        """Sweep on a background thread; False (and nothing changes) if one is running."""
        with self._lock:
            if self.running:
                return False
            self._thread = threading.Thread(target=self.run, name="dllab-sweep", daemon=True)
            self._thread.start()
        return True

    def cancel(self) -> None:
        """Stop the running sweep after its current epoch."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background sweep to end; False on timeout."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    def run(self) -> SweepResult:
        """Sweep on this thread and return the result (partial if cancelled)."""
        if self.running and threading.current_thread() is not self._thread:
            raise RuntimeError("a sweep is running on its own thread: cancel() or wait() first")
        self._stop.clear()
        self._clear()
        self.status = "running"
        self.message = ""
        self.progress = f"Preparing {self.n_networks} networks..."
        try:
            data = split(make_dataset(self.dataset, seed=0), 0.5, seed=0)
            # One BLAS thread: the matrices are small, and the machine is shared with the
            # browser and the kernel (see dllab/lab/loop.py).
            with threadpool_limits(1, user_api="blas"):
                result = sweep(
                    data,
                    self.depths,
                    self.widths,
                    epochs=self.epochs,
                    callback=self._network_done,
                    should_stop=self._stop.is_set,
                    progress=self._epoch_done,
                    **self.settings,
                )
        except (ValueError, TypeError) as error:  # a refused setting, e.g. batch_size
            self.status, self.message, self.progress = "error", str(error), ""
            return self.result
        except Exception as error:  # on a thread nobody would see it: say what broke
            self.status, self.message, self.progress = "error", f"the sweep failed: {error}", ""
            return self.result
        self.result = result
        self.n_done = result.n_done
        if result.cancelled:
            self.status = "cancelled"
            self.progress = f"Cancelled after {result.n_done} of {self.n_networks} networks."
        else:
            self.status = "done"
            self.progress = self._summary(result)
        return result

    def _clear(self) -> None:
        self.result = SweepResult.empty(self.depths, self.widths, self.epochs)
        self.n_done = 0
        self.chosen = (-1, -1)
        self.progress = ""
        self.run_id += 1

    def _network_done(self, depth: int, width: int, result: SweepResult) -> None:
        self.result = result
        self.n_done = result.n_done  # a whole depth at once: one change, one redraw

    def _epoch_done(self, depth: int, epoch: int) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL or epoch == self.epochs:
            self._last_progress = now
            self.progress = (
                f"Training the networks with {layers_label(depth)}: epoch {epoch} of {self.epochs} "
                f"· {self.result.n_done} of {self.n_networks} networks done"
            )

    def _summary(self, result: SweepResult) -> str:
        text = f"Done: {result.n_done} networks in {result.seconds:.1f} s."
        best = result.best()
        if best is not None:
            depth, width = best
            row, column = result.cell(depth, width)
            text += (
                f" Lowest test loss: {layers_label(depth)} of {width} neurons "
                f"({result.test_loss[row, column]:.3f})."
            )
        return text

    # -- choosing a network ------------------------------------------------------------------
    def shown(self) -> tuple[int, int] | None:
        """The network whose curve to show: the one chosen, else the best so far."""
        depth, width = self.chosen
        if depth in self.depths and width in self.widths:
            return depth, width
        return self.result.best()


class DepthSweep(w.VBox):
    """Train one network per (hidden layers, neurons per layer) and compare their test loss.

    DepthSweep(dataset="spiral", depths=range(1, 7), widths=(2, 3, 4, 6, 8, 12), epochs=300):
    press Run; the heatmap fills in, one row of networks at a time. Click a cell to see that
    network's loss curve.
    """

    def __init__(
        self,
        dataset: str = "spiral",
        depths: Any = range(1, 7),
        widths: Any = (2, 3, 4, 6, 8, 12),
        epochs: int = 300,
        learning_rate: float = 0.03,
        batch_size: int = 10,
        seed: int = 0,
    ) -> None:
        self.model = model = SweepModel(
            dataset, depths, widths, epochs, learning_rate, batch_size, seed
        )
        self._dataset = w.Dropdown(
            description="Dataset",
            options=[(DATASET_LABELS[name], name) for name in SWEEP_DATASETS],
            value=model.dataset,
            style=STYLE,
        )
        self._run = w.Button(description="Run", icon="play", button_style="success")
        self._cancel = w.Button(description="Cancel", icon="stop", disabled=True)
        self._progress = w.HTML(layout=w.Layout(min_height="24px"))
        self._message = w.HTML()
        self._details = w.HTML(layout=w.Layout(min_height="48px"))
        # The numbers lie over the cells: let clicks on them reach the cell underneath.
        self._style = w.HTML(
            "<style>.dllab-depth-sweep text.label { pointer-events: none; }</style>",
            layout=w.Layout(display="none"),
        )
        self._build_heatmap()
        self._build_curve()
        self._dataset.observe(self._dataset_chosen, names="value")
        self._run.on_click(lambda _: self.run())
        self._cancel.on_click(lambda _: model.cancel())
        self._heatmap.on_element_click(self._cell_clicked)
        model.observe(self._draw_grid, names=["n_done", "run_id"])
        model.observe(self._draw_curve, names=["chosen", "n_done", "run_id"])
        model.observe(self._show_state, names=["status", "progress", "message"])
        toolbar = w.HBox(
            [self._dataset, self._run, self._cancel], layout=w.Layout(align_items="center")
        )
        super().__init__(
            [
                self._style,
                toolbar,
                self._progress,
                self._message,
                w.HBox([self._grid_figure, w.VBox([self._curve_figure, self._key, self._details])]),
            ]
        )
        self.add_class("dllab-depth-sweep")
        self._draw_grid()
        self._draw_curve()
        self._show_state()

    # -- actions ----------------------------------------------------------------------------
    def run(self, background: bool = True) -> None:
        """Start the sweep (on a background thread unless `background` is False)."""
        if background:
            self.model.start()
        else:
            self.model.run()

    def cancel(self) -> None:
        self.model.cancel()

    def _dataset_chosen(self, change) -> None:
        try:
            self.model.dataset = change.new
        except t.TraitError as error:
            self._message.value = _error_html(str(error))
            self._dataset.value = self.model.dataset

    def _cell_clicked(self, mark, content: dict) -> None:
        """A click on a cell: the browser sends the cell's row and column numbers."""
        data = content.get("data") or {}
        self._choose(data.get("rowNum"), data.get("columnNum"))

    def _choose(self, row: Any, column: Any) -> None:
        model = self.model
        if isinstance(row, int) and isinstance(column, int):
            if 0 <= row < len(model.depths) and 0 <= column < len(model.widths):
                model.chosen = (model.depths[row], model.widths[column])

    # -- plots ------------------------------------------------------------------------------
    def _build_heatmap(self) -> None:
        model = self.model
        self._row_labels = [layers_label(depth) for depth in model.depths]
        self._column_labels = [f"width {width}" for width in model.widths]
        rows = bq.OrdinalScale(reverse=True, domain=self._row_labels)
        columns = bq.OrdinalScale(domain=self._column_labels)
        self._colours = bq.ColorScale(colors=[BLUE, WHITE, ORANGE], min=0.0, mid=0.3, max=0.5)
        # Cells not trained yet take the middle colour and no number. (GridHeatMap's own
        # numbers would read "NaN" on black there, hence the Label mark for the numbers.)
        self._heatmap = bq.GridHeatMap(
            row=self._row_labels,
            column=self._column_labels,
            color=np.full((len(model.depths), len(model.widths)), 0.3),
            scales={"row": rows, "column": columns, "color": self._colours},
            stroke="white",
            # No "select" interaction: in bqplot 0.13 the selection a click makes in the
            # browser fails to reach Python. Clicks arrive as messages; Python outlines.
            selected_style={"stroke": "black", "stroke-width": "4"},
        )
        self._values = bq.Label(
            x=[],
            y=[],
            text=[],
            scales={"x": columns, "y": rows},
            align="middle",
            default_size=15,
            font_unit="px",
            colors=["#222222"],
        )
        self._grid_figure = bq.Figure(
            marks=[self._heatmap, self._values],
            axes=[
                bq.Axis(scale=columns, tick_style={"font-size": "14px"}),
                bq.Axis(scale=rows, side="left", tick_style={"font-size": "14px"}),
            ],
            title="Test loss of each network: blue is low (good), orange high",
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=40, bottom=30, left=70, right=10),
            layout=w.Layout(width="560px", height="440px"),
        )

    def _build_curve(self) -> None:
        epoch = bq.LinearScale(min=0, max=self.model.epochs)
        loss = bq.LinearScale(min=0)
        self._curve = bq.Lines(
            x=[0, 1],
            y=[[0.5, 0.5], [0.5, 0.5]],
            visible=False,
            scales={"x": epoch, "y": loss},
            colors=[TEST_COLOUR, TRAIN_COLOUR],
        )
        self._loss_axis = bq.Axis(
            scale=loss, side="left", label="loss", tick_format=".2f", tick_values=_ticks(0.5)
        )
        self._curve_figure = bq.Figure(
            marks=[self._curve],
            axes=[
                bq.Axis(
                    scale=epoch,
                    label="epoch",
                    tick_values=_ticks(self.model.epochs),
                    tick_format="d",
                ),
                self._loss_axis,
            ],
            title="Loss while training",
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=40, bottom=45, left=55, right=15),
            layout=w.Layout(width="420px", height="320px"),
        )
        key = (
            f'<span style="color:{TEST_COLOUR}">&#9473;&#9473; test loss</span> &nbsp; '
            f'<span style="color:{TRAIN_COLOUR}">&#9473;&#9473; training loss</span>'
        )
        self._key = w.HTML(f'<div style="margin-left:55px">{key}</div>')

    def _draw_grid(self, change=None) -> None:
        result = self.model.result
        losses = np.where(result.done, result.test_loss, np.nan)
        finite = np.isfinite(losses)
        top = max(0.5, float(losses[finite].max())) if finite.any() else 0.5
        colours = np.where(finite, losses, 0.6 * top)
        colours[result.done & ~finite] = top  # diverged
        cells = [tuple(cell) for cell in np.argwhere(result.done)]
        texts = [f"{losses[cell]:.3f}" if finite[cell] else "diverged" for cell in cells]
        with self._heatmap.hold_sync(), self._colours.hold_sync(), self._values.hold_sync():
            self._colours.max = top
            self._colours.mid = 0.6 * top
            self._heatmap.color = colours
            self._values.x = [self._column_labels[column] for _, column in cells]
            self._values.y = [self._row_labels[row] for row, _ in cells]
            self._values.text = texts

    def _draw_curve(self, change=None) -> None:
        model, result = self.model, self.model.result
        shown = model.shown()
        trained = shown is not None and bool(result.done[result.cell(*shown)])
        self._select_cell(result.cell(*shown) if shown is not None else None)
        history = result.history(*shown) if trained else None
        with self._curve.hold_sync():
            if trained:
                self._curve.x = history["epoch"]
                self._curve.y = [history["test_loss"], history["train_loss"]]
                top = np.nanmax([history["test_loss"], history["train_loss"]])
                self._loss_axis.tick_values = _ticks(top)
            self._curve.visible = trained
        if shown is None:
            self._curve_figure.title = "Loss while training"
            self._details.value = (
                "<i>Click a cell of the grid to see how that network learned.</i>"
                if result.n_done
                else "<i>Press <b>Run</b>: each cell is one network, trained from scratch.</i>"
            )
            return
        depth, width = shown
        row, column = result.cell(depth, width)
        name = f"{layers_label(depth)} of {width} neurons"
        which = "Chosen" if model.chosen == shown else "Best so far"
        self._curve_figure.title = f"{which}: {name}"
        if not trained:
            outcome = "not trained yet"
        elif result.diverged[row, column]:
            outcome = "its training <b>diverged</b> (the loss became infinite)"
        else:
            outcome = (
                f"<b>{result.epochs}</b> epochs, test loss "
                f"<b>{result.test_loss[row, column]:.3f}</b>, test accuracy "
                f"<b>{result.test_accuracy[row, column]:.0%}</b>"
            )
        self._details.value = f'<div class="dllab-sweep-details">{name}: {outcome}.</div>'

    def _select_cell(self, cell: tuple[int, int] | None) -> None:
        """Outline the cell whose curve is shown."""
        self._heatmap.selected = None if cell is None else np.array([cell])

    def _show_state(self, change=None) -> None:
        model = self.model
        running = model.status == "running"
        self._run.disabled = running
        self._cancel.disabled = not running
        self._dataset.disabled = running
        self._progress.value = (
            f'<div class="dllab-sweep-progress" style="font-size:1.1em">'
            f"{html.escape(model.progress)}</div>"
            if model.progress
            else ""
        )
        self._message.value = _error_html(model.message) if model.message else ""


# --- the gallery -------------------------------------------------------------------------------


class GalleryModel(t.HasTraits):
    """Two trained networks to look inside: a deep one on the spiral and one on digits.

    Both are the lab's own models (`LabModel`), so the pictures are the lab's. `train()`
    trains them on this thread, `start()` on a background one; `version` changes after
    every chunk of epochs, so a view can show the pictures forming.
    """

    stage = t.Unicode("ready")  # ready, spiral, digits, done, error
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
    ) -> None:
        super().__init__()
        self.epochs = check_int("epochs", epochs, 1, MAX_EPOCHS)
        self.digits_epochs = check_int("digits_epochs", digits_epochs, 1, MAX_EPOCHS)
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
        self._thread: threading.Thread | None = None

    @t.validate("example")
    def _check_example(self, proposal):
        return int(max(0, proposal.value))

    @t.observe("example")
    def _example_changed(self, change) -> None:
        if self.digits is not None:
            self.digits.example = change.new

    def start(self) -> None:
        """Train on a background thread (once; again only after it has finished)."""
        if not self.training:
            self._thread = threading.Thread(target=self.train, name="dllab-gallery", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background training to end; False on timeout."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.training

    def train(self, chunk: int = 25) -> None:
        """Train the spiral network, then the digits network, a chunk of epochs at a time."""
        if self.training and threading.current_thread() is not self._thread:
            raise RuntimeError("the gallery is training on its own thread: wait() first")
        try:
            with threadpool_limits(1, user_api="blas"):
                self._train(chunk)
        except Exception as error:  # on a thread nobody would see it: say what broke
            self.stage, self.message = "error", f"training failed: {error}"

    @property
    def training(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _train(self, chunk: int) -> None:
        self.stage = "spiral"
        for done in range(0, self.epochs, chunk):
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


def _check_hidden(name: str, hidden: Any) -> tuple[int, ...]:
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"{name} must be a list of layer widths, e.g. [8, 8, 8, 8]; got {hidden!r}")
    widths = tuple(hidden)
    if not widths:
        raise ValueError(f"{name}=[] has no hidden layer; give at least one width, e.g. [8, 8]")
    return tuple(check_int(f"{name} (layer width)", width, 1, 32) for width in widths)


def _lab_model(name: str, hidden: Any, **settings: Any) -> LabModel:
    """A lab model with these hidden layers; the lab's limits, reported under `name`."""
    widths = _check_hidden(name, hidden)
    try:
        return LabModel(hidden=list(widths), **settings)
    except t.TraitError as error:
        raise ValueError(f"{name}={list(widths)}: {error}") from None


class LayerGallery(w.VBox):
    """What the layers of a deep network compute.

    Top: a network of four hidden layers of 8 neurons trained on the spiral; its first
    hidden layer beside its last, each neuron drawn over the whole input plane. Bottom: a
    network trained on handwritten digits; its first layer's weights as 8 x 8 pictures and
    every later layer's activations for the test example chosen with the slider.
    Both train on a background thread when the gallery appears (a few seconds).
    """

    def __init__(
        self,
        hidden: Any = (8, 8, 8, 8),
        epochs: int = 300,
        digits_hidden: Any = (16, 16),
        digits_epochs: int = 30,
        seed: int = 0,
        autostart: bool = True,
    ) -> None:
        self.model = model = GalleryModel(hidden, epochs, digits_hidden, digits_epochs, seed)
        depth = model.plane.depth
        self._status = w.HTML(layout=w.Layout(min_height="24px"))
        self._plane_canvas = NetworkCanvas(width_px=520, height_px=430)
        self._digits_canvas = NetworkCanvas(width_px=620, height_px=640)
        self._example = w.IntSlider(
            description="Test example", min=0, max=1, value=0, style=STYLE, disabled=True
        )
        self._example.observe(self._example_chosen, names="value")
        plane_text = w.HTML(
            "<p><b>Spiral.</b> Each square is one neuron, coloured by its value at every point "
            "of the plane (blue positive, orange negative). The neurons of the <b>first "
            "hidden layer</b> can only draw <b>straight-line</b> boundaries: each is one "
            f"tilted edge. Layer by layer the network combines them, and the neurons of the "
            f"<b>last hidden layer</b> (layer {depth}) hold <b>curved, composed shapes</b>: "
            "pieces of the spiral that no single straight line could draw.</p>",
            layout=w.Layout(width="440px"),
        )
        digits_text = w.HTML(
            "<p><b>Handwritten digits.</b> Left, the test example. Next, each neuron of the "
            "first hidden layer drawn as its 64 weights, an 8 x 8 picture of the pixel "
            "pattern it looks for (blue: ink there raises it, orange: lowers it): blobs and "
            "strokes. The columns after it are the later layers' values for this example, "
            "each built from the patterns before it, and the network's answer.</p>",
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
                    [self._digits_canvas, w.VBox([digits_text, self._example])],
                    layout=w.Layout(align_items="center"),
                ),
            ]
        )
        self.add_class("dllab-layer-gallery")
        self._draw()
        self._show_status()
        if autostart:
            model.start()

    def train(self) -> None:
        """Train both networks on this thread (the gallery does it on its own when shown)."""
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
            frame.tiles, frame.weights[1:], titles, labels, link_from=1, run=self.model.version
        )

    def _show_status(self, change=None) -> None:
        model = self.model
        if model.stage == "error":
            self._status.value = _error_html(model.message)
        else:
            self._status.value = (
                f'<div class="dllab-gallery-status">{html.escape(model.message)}</div>'
            )


def _ticks(top: float, count: int = 6) -> list[float]:
    """Round tick values from 0 to about `top`: steps of 1, 2 or 5 times a power of ten."""
    if not np.isfinite(top) or top <= 0:
        return [0.0]
    raw = top / count
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [float(v) for v in np.round(np.arange(0, top + step * 1e-9, step), 10)]


def _error_html(text: str) -> str:
    return f'<div class="dllab-message" style="color:#b00020">{html.escape(text)}</div>'
