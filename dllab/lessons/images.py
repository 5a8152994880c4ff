"""Lesson 7, images: edges → shapes → objects in a convolutional network trained on
pictures of shapes, and deep learning against traditional models on the same pictures.

`ImageLesson()` trains a small convolutional network at once (a few seconds) and retrains
it whenever the number of convolutional layers, the filters or the learning rate change;
it shows, as it trains, the loss and accuracy, every layer's feature maps for the chosen
test picture, the first layer's kernels beside edge filters a person designs, the class
probabilities and the pictures each class is surest of. A button runs the side-by-side
with traditional models, another their learning curves (`images_curve`). `ImagesModel`
(in `images_model`) holds it all.
"""

from __future__ import annotations

import html
import time
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..core.conv_insight import (
    EDGE_ANGLES,
    EDGE_LIKE,
    chance_of_at_least,
    edge_like_share,
    scaled_maps,
)
from ..core.edges import sobel_kernels
from ..ui import MessageArea, NetworkCanvas, build_controls, update
from ..ui.theme import ACCURACY_COLOURS, BLUE, FONT, LOSS_COLOURS, plural
from .digit_grid import DigitGrid
from .images_compare import EDGES_EXPLAINED, Comparison, summary
from .images_curve import CurvePanel
from .images_model import FILTER_RANGE, MAX_CONV_LAYERS, ImagesModel, middle_patches

FRAME_INTERVAL = 0.1  # seconds: at most 10 frames a second
KERNELS_TEXT = (
    "Left: edge filters a person designs (Sobel's, every 45 degrees). Middle: the 3 x 3 "
    "kernels the first layer learned, redrawn as it trains (blue positive, orange "
    "negative). Right: what each kernel makes of the test picture."
)
PATCHES_TEXT = (
    "Each row is one channel of the second convolutional layer; the squares beside it are "
    "the 8 x 8 pieces of test pictures (all that one of its cells sees) where it is "
    "largest, most first. Drawn once the network is trained; with fewer than two "
    "convolutional layers there is no second layer to show."
)
RATES = [0.0003, 0.001, 0.003, 0.01, 0.03]


def paragraph(text: str, width: str = "880px") -> w.HTML:
    return w.HTML(f'<p style="{FONT}">{text}</p>', layout=w.Layout(max_width=width))


def curve_figure(
    title: str,
    label: str,
    colours: list[str],
    y_max: float | None,
    legend: str,
    tick_format: str | None = None,
) -> bq.Figure:
    x, y = bq.LinearScale(), bq.LinearScale(min=0.0, max=y_max)
    lines = bq.Lines(
        x=np.zeros(0),
        y=np.zeros((2, 0)),
        colors=colours,
        labels=["test", "training"],
        display_legend=True,
        scales={"x": x, "y": y},
    )
    return bq.Figure(
        title=title,
        marks=[lines],
        axes=[
            bq.Axis(scale=x, label="epoch", tick_format="d"),
            bq.Axis(scale=y, side="left", label=label, tick_format=tick_format),
        ],
        layout=w.Layout(width="380px", height="240px"),
        fig_margin={"top": 40, "bottom": 45, "left": 55, "right": 15},
        legend_location=legend,
    )


def edge_share_sentences(count: int, total: int, chance: float | None, start: float | None) -> str:
    """What the page says of `count` edge-like kernels out of `total`, beside `chance`
    (the share fresh random kernels reach) and `start` (the share this run began with)."""
    text = (
        f"<b>{count} of {plural(total, 'kernel')}</b> {'is' if count == 1 else 'are'} "
        f"edge-like now (a kernel is edge-like when it correlates at {EDGE_LIKE} or more, "
        "sign ignored, with one of Sobel's edge filters on the left)."
    )
    if chance is None:
        return text
    text += (
        f" Fresh random kernels, drawn the way this network draws its first weights, are "
        f"edge-like {chance:.0%} of the time"
    )
    text += "." if start is None else f" (this network began with {round(start * total)})."
    odds = chance_of_at_least(count, total, chance)
    how_often = "less than once in 1,000 tries" if odds < 0.001 else f"{odds:.1%} of the time"
    if count == 0:
        return text + " None is edge-like: no more than chance."
    verdict = (
        "so training, not chance, made these edge detectors"
        if odds < 0.05
        else "so as many could come by chance"
    )
    return (
        f"{text} {total} random kernels would give {count} or more edge-like ones "
        f"{how_often}, {verdict}."
    )


class ImageLesson(w.VBox):
    """The image lesson: settings, curves, the network's feature maps, its first layer's
    kernels beside edge filters, its answer, and the comparison with traditional models."""

    def __init__(self, *, autostart: bool = True, **settings: Any) -> None:
        """The settings of ImagesModel: epochs, n_samples, seed, conv_layers, filters,
        learning_rate; `autostart`: train as soon as the lesson is made."""
        self.model = model = ImagesModel(**settings)
        self._messages = MessageArea()
        self._status = MessageArea()
        n_test = len(model.data.X_test)
        controls = build_controls(
            model,
            [
                (
                    "conv_layers",
                    w.IntSlider,
                    dict(min=0, max=MAX_CONV_LAYERS, description="Convolutional layers"),
                ),
                (
                    "filters",
                    w.IntSlider,
                    dict(
                        min=FILTER_RANGE[0],
                        max=FILTER_RANGE[1],
                        description="Filters (first layer)",
                    ),
                ),
                ("learning_rate", w.Dropdown, dict(options=RATES, description="Learning rate")),
                ("example", w.IntSlider, dict(min=0, max=n_test - 1, description="Test picture")),
            ],
            self._messages,
        )
        self.controls = controls
        self._loss = curve_figure("Loss", "loss", LOSS_COLOURS, None, "top-right")
        self._accuracy = curve_figure(
            "Accuracy", "accuracy", ACCURACY_COLOURS, 1.0, "bottom-right", tick_format=".0%"
        )
        self._network = NetworkCanvas(width_px=760, height_px=560)
        self._network.add_class("dllab-images-network")
        self._kernels = NetworkCanvas(width_px=420, height_px=560)
        self._kernels.add_class("dllab-images-kernels")
        self._edge_share = w.HTML(layout=w.Layout(max_width="420px"))
        self._edge_share.add_class("dllab-edge-share")
        self._patches = NetworkCanvas(width_px=300, height_px=560)
        self._patches.add_class("dllab-images-patches")
        self._answer = w.HTML()
        self._answer.add_class("dllab-images-answer")
        self._bars = bq.Bars(
            x=list(model.classes),
            y=np.zeros(len(model.classes)),
            colors=[BLUE],
            scales={"x": bq.OrdinalScale(), "y": bq.LinearScale(min=0.0, max=1.0)},
        )
        probabilities = bq.Figure(
            title="The network's answer",
            marks=[self._bars],
            axes=[
                bq.Axis(scale=self._bars.scales["x"]),
                bq.Axis(
                    scale=self._bars.scales["y"],
                    side="left",
                    label="probability",
                    tick_format=".0%",
                ),
            ],
            layout=w.Layout(width="340px", height="260px"),
            fig_margin={"top": 40, "bottom": 35, "left": 60, "right": 10},
        )
        self._surest = [DigitGrid(cell_px=48) for _ in model.classes]  # a row per class
        for grid in self._surest:
            grid.add_class("dllab-images-surest")
        self._compare_button = w.Button(
            description="Compare the five models", icon="play", layout=w.Layout(width="240px")
        )
        self._compare_button.on_click(lambda _: model.comparison.start())
        self._compare_status = w.HTML()
        self._compare_status.add_class("dllab-compare-status")
        self._table = w.HTML()
        self._table.add_class("dllab-compare-table")
        self._compare_text = w.HTML(layout=w.Layout(max_width="880px"))
        self.curve = CurvePanel(model.data_curve)
        self._last_draw = 0.0
        model.observe(self._frame_due, names=["version"])
        model.observe(self._redraw, names=["example", "status"])
        model.observe(self._show_status, names=["message", "status"])
        model.comparison.observe(self._show_comparison, names=["rows", "status", "message"])
        super().__init__(
            [
                self._messages,
                self._status,
                w.HTML(f'<h3 style="{FONT}">1. Depth, live</h3>'),
                w.HBox(
                    [
                        w.VBox([controls["conv_layers"], controls["filters"]]),
                        w.VBox([controls["learning_rate"], controls["example"]]),
                    ]
                ),
                w.HBox([self._loss, self._accuracy]),
                paragraph(
                    "The test picture is on the left (its ink blue). Each next column is "
                    "one convolutional layer, each square one channel (filter) of it for "
                    "this picture: blue where the channel is large, white where it is zero; "
                    "each square is scaled to its own largest value. Every convolutional "
                    "layer is followed by 2 x 2 max pooling, so the next layer's maps are "
                    "half as wide. The last column is the answer, one square per class."
                ),
                self._network,
                w.HTML(f'<h3 style="{FONT}">2. Edges</h3>'),
                w.HBox(
                    [
                        self._kernels,
                        w.VBox(
                            [
                                paragraph(KERNELS_TEXT, "420px"),
                                self._edge_share,
                            ]
                        ),
                    ]
                ),
                w.HTML(f'<h3 style="{FONT}">3. Shapes</h3>'),
                w.HBox([self._patches, paragraph(PATCHES_TEXT, "420px")]),
                w.HTML(f'<h3 style="{FONT}">4. Objects</h3>'),
                w.HBox([probabilities, self._answer], layout=w.Layout(align_items="center")),
                paragraph("The test pictures each class output is surest of (most sure first):"),
                *self._surest,
                w.HTML(f'<h3 style="{FONT}">5. Deep learning against traditional models</h3>'),
                paragraph(EDGES_EXPLAINED),
                w.HBox(
                    [self._compare_button, self._compare_status],
                    layout=w.Layout(align_items="center"),
                ),
                self._table,
                self._compare_text,
                w.HTML(f'<h3 style="{FONT}">6. Who gains from more data</h3>'),
                self.curve,
            ]
        )
        self.add_class("dllab-image-lesson")
        self._show_status()
        self._show_comparison()
        if autostart:
            model.start()

    def close(self) -> None:
        if hasattr(self, "model"):
            self.model.close()
        super().close()

    def train(self) -> None:
        """Train (again) and wait until done."""
        self.model.train()

    @property
    def comparison(self) -> Comparison:
        return self.model.comparison

    # -- drawing -------------------------------------------------------------------------------
    def _frame_due(self, change=None) -> None:
        now = time.monotonic()
        if now - self._last_draw >= FRAME_INTERVAL:
            self._last_draw = now
            self._redraw()

    def _redraw(self, change=None) -> None:
        frame = self.model.frame()
        if frame is None:
            return
        self._draw_curves()
        self._draw_network(frame)
        self._draw_kernels(frame)
        self._draw_answer(frame)
        self._draw_surest()
        if self.model.status == "done":
            self._draw_patches()

    def _draw_curves(self) -> None:
        history = self.model.history()
        if not history.get("epoch"):
            return
        epochs = np.asarray(history["epoch"], dtype=float)
        for figure, key in ((self._loss, "loss"), (self._accuracy, "accuracy")):
            curves = np.array([history[f"test_{key}"], history[f"train_{key}"]], dtype=float)
            update(figure.marks[0], x=epochs, y=curves)

    def _draw_network(self, frame) -> None:
        tiles = [(2 * frame.image - 1)[None]] + frame.maps
        tiles.append((2 * frame.probabilities - 1).reshape(-1, 1, 1))
        titles = ["Picture", *[f"Conv {i + 1}" for i in range(len(frame.maps))], "Output"]
        labels = [None] * (len(tiles) - 1) + [list(frame.classes)]
        self._network.show(tiles, [], titles, labels, link_from=len(tiles), run=self.model.run_id)

    def _draw_kernels(self, frame) -> None:
        if frame.kernels is None:
            self._kernels.layout.display = "none"
            self._edge_share.value = (
                f'<p style="{FONT}">With no convolutional layer there are no kernels to '
                "show: the dense network looks at every pixel with a weight of its own.</p>"
            )
            return
        self._kernels.layout.display = None
        sobel = sobel_kernels(EDGE_ANGLES)
        tiles = [sobel / np.abs(sobel).max(), scaled_maps(frame.kernels), frame.maps[0]]
        self._kernels.show(
            tiles, [], ["Sobel", "Learned", "Maps"], link_from=3, run=self.model.run_id
        )
        self._edge_share.value = self._edge_share_text(frame.kernels)

    def _edge_share_text(self, kernels: np.ndarray) -> str:
        model = self.model
        total = len(kernels)
        count = round(edge_like_share(kernels) * total)
        text = edge_share_sentences(count, total, model.chance_edge_share, model.start_edge_share)
        return f'<p style="{FONT}">{text}</p>'

    def _draw_patches(self) -> None:
        patches = middle_patches(self.model)
        self._patches.layout.display = "none" if patches is None else None
        if patches is None:
            return
        tiles = [2 * patches[:, rank] - 1 for rank in range(patches.shape[1])]
        titles = ["Most", *[f"{rank + 1}." for rank in range(1, len(tiles))]]
        self._patches.show(tiles, [], titles, link_from=len(tiles), run=self.model.run_id)

    def _draw_answer(self, frame) -> None:
        update(self._bars, y=frame.probabilities)
        best = int(np.argmax(frame.probabilities))
        said = frame.classes[best]
        verdict = "right" if said == frame.true else "wrong"
        self._answer.value = (
            f'<p style="{FONT}">Test picture {frame.index}: a <b>{html.escape(frame.true)}</b>. '
            f"The network says <b>{html.escape(said)}</b> "
            f"({frame.probabilities[best]:.0%}): {verdict}.</p>"
        )

    def _draw_surest(self) -> None:
        found = self.model.surest()
        if found is None:
            return
        indices, probabilities = found
        images = self.model.data.X_test[indices.ravel()].reshape(-1, 24, 24)
        truth = self.model.data.y_test[indices.ravel()]
        classes = self.model.classes
        count = indices.shape[1]
        for c, grid in enumerate(self._surest):
            shown = slice(c * count, (c + 1) * count)
            captions = [
                f"{classes[c]} {p:.0%}\n(a {classes[int(y)]})"
                for p, y in zip(probabilities[c], truth[shown])
            ]
            grid.show(images[shown], captions)

    def _show_status(self, change=None) -> None:
        model = self.model
        self._status.status(model.message, "error" if model.status == "error" else "info")

    def _show_comparison(self, change=None) -> None:
        comparison = self.model.comparison
        self._compare_button.disabled = comparison.status == "running"
        message = html.escape(comparison.message)
        self._compare_status.value = f'<span style="{FONT}">{message}</span>'
        rows = comparison.rows
        body = "".join(
            f"<tr><td>{html.escape(row.name)}</td><td>{row.accuracy:.0%}</td>"
            f"<td>{row.seconds:.1f} s</td></tr>"
            for row in rows
        )
        self._table.value = (
            f'<table style="{FONT}"><tr><th>Model</th><th>Test accuracy</th>'
            f"<th>CPU time</th></tr>{body}</table>"
            if rows
            else ""
        )
        done = comparison.status == "done"
        self._compare_text.value = f'<p style="{FONT}">{summary(rows)}</p>' if done else ""
