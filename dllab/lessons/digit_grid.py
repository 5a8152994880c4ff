"""Many small digit images with a caption under each, drawn on canvases: the test digits a
network gets wrong, or those of one cell of a confusion matrix. Shared by the digits
report and the digit quiz."""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets as t
from numpy.typing import NDArray

from ..ui.page import canvas_script


def as_grey_bytes(images: NDArray) -> bytes:
    """Pixel values in [0, 1] as bytes 0..255, ready for a canvas."""
    grey = np.clip(np.asarray(images, dtype=np.float64), 0, 1) * 255
    return grey.round().astype(np.uint8).tobytes()


_GRID_CSS = """
.dllab-digit-grid { display: flex; flex-wrap: wrap; gap: 10px; max-width: 880px; }
.dllab-digit { margin: 0; display: flex; flex-direction: column; align-items: center; }
.dllab-digit canvas { image-rendering: pixelated; border: 1px solid #bbb; }
.dllab-digit figcaption { font: 12px/1.3 sans-serif; color: #333; white-space: pre-line;
  text-align: center; margin-top: 2px; }
.dllab-digit-grid-empty { font: 14px sans-serif; color: #555; padding: 6px 0; }
"""


class DigitGrid(anywidget.AnyWidget):
    """Small greyscale images with a caption under each, drawn on canvases.

    `show(images, captions)`: images (n, height, width) in [0, 1] (ink = 1, drawn dark).
    """

    _esm = canvas_script(__file__, "digit_grid.js")
    _css = _GRID_CSS

    images = t.Bytes(b"").tag(sync=True)
    shape = t.List(t.Int(), default_value=[8, 8]).tag(sync=True)
    captions = t.List(t.Unicode()).tag(sync=True)
    cell_px = t.Int(56).tag(sync=True)
    empty_text = t.Unicode("").tag(sync=True)
    frame = t.Int(0).tag(sync=True)

    def show(self, images: NDArray, captions: list[str]) -> None:
        images = np.asarray(images, dtype=np.float64)
        if images.ndim != 3 or len(images) != len(captions):
            raise ValueError(
                f"images must be (n, height, width) with one caption each; got shape "
                f"{images.shape} and {len(captions)} captions"
            )
        with self.hold_sync():
            self.shape = [int(images.shape[1]), int(images.shape[2])]
            self.images = as_grey_bytes(images)
            self.captions = list(captions)
            self.frame += 1
