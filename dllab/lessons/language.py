"""Lesson 8: a next-character language model. `NameMaker` first counts n-grams of the US
Census surnames (orders 1 to 6, smoothing chosen on validation names) and shows that
longer contexts make counting worse on names it has not seen; then trains a network
(Bengio et al. 2003) live against the best count model, and lets the learner quiz it.

`NameMaker` is the view of a `NameMakerModel` (in `dllab.lessons.language_model`).
"""

from __future__ import annotations

import html
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..ui import MessageArea, build_controls, update
from ..ui.theme import BLUE, FONT, GREY, LOSS_COLOURS, ORANGE, format_number, lines_legend
from .language_model import BATCH_SIZE, RARE, SLOW_FACTOR, NameMakerModel, lesson_words
from .language_quiz import QuizPanel

CONTROLS = (
    ("context", w.IntSlider, dict(description="Context (characters)", min=1, max=8)),
    ("dim", w.IntSlider, dict(description="Embedding size", min=2, max=32)),
    ("layers", w.IntSlider, dict(description="Hidden layers", min=0, max=4)),
    ("width", w.IntSlider, dict(description="Neurons per layer", min=8, max=512, step=8)),
    (
        "learning_rate",
        w.SelectionSlider,
        dict(
            description="Learning rate",
            options=[("0.0003", 0.0003), ("0.001", 0.001), ("0.003", 0.003), ("0.01", 0.01)],
        ),
    ),
)
VOWELS = set("aeiouy")
STATUS_TEXT = {
    "ready": "Press Play to train the network.",
    "training": "Training…",
    "done": "Done.",
    "stopped": "Paused.",
    "error": "Stopped by an error.",
}


def _shown_name(name: str, longest: int = 16) -> str:
    """A sampled name for the table: '(empty)' for none, cut after `longest` letters."""
    if not name:
        return "(empty)"
    return name if len(name) <= longest else name[:longest] + "…"


def _html(text: str, css_class: str) -> str:
    return f'<div class="{css_class}" style="{FONT}">{text}</div>'


class NameMaker(w.VBox):
    """Counting n-grams, then a network trained live on census surnames, then a quiz.

    NameMaker(max_seconds=180, context=6, dim=16, layers=2, width=256, learning_rate=0.003):
    press Play; each slider change trains a new network.
    """

    def __init__(self, **settings: Any) -> None:
        self.model = model = NameMakerModel(**settings)
        self._message = MessageArea()
        self._counting = w.HTML(_html("Counting n-grams...", "dllab-count-status"))
        self._table = w.HTML()
        controls = build_controls(model, CONTROLS, self._message)
        for control in controls.values():
            control.continuous_update = False
            control.layout.width = "400px"
        self._controls = controls
        self._play = w.Button(description="Play", icon="play", button_style="success")
        self._pause = w.Button(description="Pause", icon="pause", disabled=True)
        self._play.on_click(lambda _: model.play())
        self._pause.on_click(lambda _: model.pause())
        self._status = w.HTML(layout=w.Layout(min_height="48px"))
        self._names = w.HTML(layout=w.Layout(min_height="60px", width="900px"))
        self._build_curves()
        self._build_embedding()
        self.quiz = QuizPanel(model)
        model.observe(self._show_counts, names=["count_status"])
        model.observe(self._draw, names=["frame", "run_id"])
        model.observe(self._show_state, names=["status", "message"])
        sliders = w.VBox(list(controls.values()), layout=w.Layout(width="420px", min_width="420px"))
        buttons = w.HBox([self._play, self._pause])
        super().__init__(
            [
                w.HTML("<h3>1. Counting</h3>"),
                self._counting,
                self._table,
                w.HTML("<h3>2. The network, live</h3>"),
                w.HBox([sliders, w.VBox([buttons, self._status])]),
                self._message,
                w.HBox([w.VBox([self._curve_figure, self._key]), self._embedding_figure]),
                self._names,
                w.HTML("<h3>3. Quiz the network</h3>"),
                self.quiz,
            ]
        )
        self.add_class("dllab-name-maker")
        self._show_counts()
        self._draw()
        self._show_state()

    def close(self) -> None:
        if hasattr(self, "model"):
            self.model.close()
        super().close()

    # -- counting ---------------------------------------------------------------------------
    def _show_counts(self, change=None) -> None:
        model = self.model
        if model.count_status == "counting":
            return
        if model.count_status == "error":
            self._counting.value = _html(html.escape(model.message), "dllab-count-status")
            return
        best = model.best_ngram
        rows = []
        for result in model.ngrams:
            style = ' style="font-weight:bold;background:#e3f0fa"' if result is best else ""
            names = ", ".join(map(_shown_name, model.ngram_names[result.order]))
            rows.append(
                f"<tr{style}><td>{result.order}</td><td>{result.order - 1}</td>"
                f"<td>{format_number(result.smoothing)}</td>"
                f"<td>{result.train_loss:.3f}</td><td>{result.validation_loss:.3f}</td>"
                f"<td>{html.escape(names)}</td></tr>"
            )
        head = (
            "<tr><th>order</th><th>context (letters)</th><th>add-k</th>"
            "<th>training loss</th><th>validation loss</th><th>names it makes</th></tr>"
        )
        self._table.value = (
            f'<table class="dllab-ngram-table" style="{FONT};border-collapse:collapse" '
            f'cellpadding="4">{head}{"".join(rows)}</table>'
        )
        worst = max(model.ngrams, key=lambda r: r.order)
        self._counting.value = _html(
            f"Counted {len(model.ngrams)} models on "
            f"{format_number(len(lesson_words().train))} training names. "
            f"The best on validation names is the {best.order}-gram "
            f"(<b>{best.validation_loss:.3f}</b> nats per character); the "
            f"{worst.order}-gram, with the longest context, scores "
            f"<b>{worst.validation_loss:.3f}</b>: its training loss is lower, but for "
            f"<b>{model.rare[0]:.0%}</b> of the characters of validation names, the "
            f"{worst.order - 1} letters before them came fewer than {RARE} times in the "
            f"training names (for {model.rare[1]:.0%}, never): too few counts to go by.",
            "dllab-count-status",
        )
        update(self._bigram_line, y=[model.bigram_loss] * 2, visible=True)
        update(self._best_line, y=[best.validation_loss] * 2, visible=True)
        self._draw_key()

    # -- the live figures -------------------------------------------------------------------
    def _build_curves(self) -> None:
        self._x = bq.LinearScale(min=0)
        self._y = bq.LinearScale(min=1.8, max=3.4)
        scales = {"x": self._x, "y": self._y}
        self._curves = bq.Lines(
            x=[0, 1],
            y=[[2.5, 2.5], [2.5, 2.5]],
            visible=False,
            scales=scales,
            colors=LOSS_COLOURS,
            labels=["validation loss", "training loss"],
        )
        flat = dict(x=[0, 1], y=[0, 0], visible=False, line_style="dashed")
        self._bigram_line = bq.Lines(
            scales=scales, colors=[ORANGE], labels=["bigram (counting)"], **flat
        )
        self._best_line = bq.Lines(
            scales=scales, colors=[BLUE], labels=["best n-gram (counting)"], **flat
        )
        self._curve_figure = bq.Figure(
            marks=[self._bigram_line, self._best_line, self._curves],
            axes=[
                bq.Axis(
                    scale=self._x, label=f"training steps (batches of {BATCH_SIZE})", num_ticks=5
                ),
                bq.Axis(scale=self._y, side="left", label="nats per character", tick_format=".2f"),
            ],
            title="Loss per character",
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=40, bottom=45, left=60, right=15),
            layout=w.Layout(width="520px", height="340px"),
        )
        self._key = w.HTML()
        self._draw_key()

    def _draw_key(self) -> None:
        marks = [self._curves, self._bigram_line, self._best_line]
        self._key.value = f'<div style="margin-left:60px">{lines_legend(marks)}</div>'

    def _build_embedding(self) -> None:
        x, y = bq.LinearScale(), bq.LinearScale()
        letters = list(".abcdefghijklmnopqrstuvwxyz")
        colours = [
            ORANGE if letter in VOWELS else (GREY if letter == "." else BLUE) for letter in letters
        ]
        around = np.linspace(0, 2 * np.pi, len(letters), endpoint=False)
        self._letters = bq.Label(
            x=np.cos(around),
            y=np.sin(around),
            visible=False,
            text=letters,
            colors=colours,
            scales={"x": x, "y": y},
            default_size=20,
            font_weight="bold",
            align="middle",
        )
        self._embedding_figure = bq.Figure(
            marks=[self._letters],
            axes=[
                bq.Axis(scale=x, label="first principal axis", tick_values=[]),
                bq.Axis(scale=y, side="left", label="second principal axis", tick_values=[]),
            ],
            title="Embeddings (vowels orange)",
            fig_margin=dict(top=40, bottom=35, left=50, right=15),
            layout=w.Layout(width="380px", height="380px"),
        )

    def _draw(self, change=None) -> None:
        model = self.model
        steps = list(model.steps)
        n = min(len(steps), len(model.validation_losses), len(model.train_losses))
        if n:
            x = np.array(steps[:n], dtype=float)
            curves = [model.validation_losses[:n], model.train_losses[:n]]
            top = max(2.6, min(3.4, max(max(c) for c in curves) + 0.05))
            low = min(1.8, min(min(c) for c in curves) - 0.05)
            end = max(float(x[-1]), 1.0)
            update(self._curves, x=x, y=curves, visible=True)
            update(self._y, min=low, max=top)
            update(self._x, max=end)
            for line in (self._bigram_line, self._best_line):
                update(line, x=[0, end])
            points = model.embedding
            update(self._letters, x=points[:, 0], y=points[:, 1], visible=True)
        else:
            update(self._curves, visible=False)
            update(self._letters, visible=False)
        names = ", ".join(model.samples)
        text = f"<b>Names the network makes now:</b> {html.escape(names)}" if names else ""
        self._names.value = _html(text + self._shares_text(), "dllab-samples")
        self._status.value = _html(self._status_text(), "dllab-status")

    def _shares_text(self) -> str:
        """Of the names sampled with those shown: how many are new and how many pass the
        pronounceability test, the test stated with the shares of real and random names
        that pass it."""
        shares, spelling = self.model.shares, self.model.spelling
        if shares is None or spelling is None:
            return ""
        return (
            f"<br>Of {shares.n} names it makes now, <b>{shares.new:.0%}</b> are new (not in "
            f"the training list) and <b>{shares.pronounceable:.0%}</b> pass the "
            "pronounceability test: every three letters in a row in the name (its start and "
            "its end count as letters) also occur in some training surname. Surnames the "
            f"network never saw pass it {spelling.real:.0%} of the time; random strings of "
            f"letters, {spelling.random:.0%}."
        )

    def _status_text(self) -> str:
        """What the network is doing, then a sentence on its run so far (if any), then one
        on its final score (once it has one): each sentence ends with one full stop."""
        model = self.model
        sentences = [STATUS_TEXT[model.status]]
        if model.network is not None:
            run = f"A network of {format_number(model.network.params.size)} numbers"
            if model.steps:
                run += (
                    f": {format_number(model.steps[-1])} steps in {model.seconds[-1]:.0f} s; "
                    f"validation loss {model.validation_losses[-1]:.3f}"
                )
            if model.slowed_at is not None:
                run += f"; learning rate divided by {SLOW_FACTOR} after {model.slowed_at:.0f} s"
            if model.bigram_seconds is not None:
                run += f"; below the bigram after {model.bigram_seconds:.1f} s"
            sentences.append(run + ".")
        best = model.best_ngram
        if model.final_loss is not None and best is not None:
            gap = best.validation_loss - model.final_loss
            verdict = "better" if gap > 0 else "worse"
            sentences.append(
                f"On all validation names after {model.trained_seconds:.0f} s: "
                f"<b>{model.final_loss:.3f}</b> nats per character, "
                f"{abs(gap):.3f} {verdict} than the best n-gram ({best.validation_loss:.3f})."
            )
        return " ".join(sentences)

    def _show_state(self, change=None) -> None:
        model = self.model
        training = model.status == "training"
        self._pause.disabled = not training
        self._play.description = "Restart" if training else "Play"
        self._status.value = _html(self._status_text(), "dllab-status")
        self._message.status(model.message, "error" if model.status == "error" else "info")
        if model.status in ("done", "stopped"):
            self.quiz.redraw()
