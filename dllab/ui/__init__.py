"""The widget toolkit shared by the lab and every lesson.

Layers: engine (`dllab.core`) → this toolkit → the lab (`dllab.lab`) → the lessons
(`dllab.lessons`); each imports only those before it. A lesson is a model (traits, no
widget), a thin view built from these pieces, and a thin notebook.

- `theme`: colours, labels, styles, numbers written as a person reads them;
- `MessageArea`: refusals (kept on screen) and status messages;
- `bind`, `build_controls`: a control bound to a model's trait, declared as data;
- `Runner`: long work on a background thread (start, cancel, close, one error path),
  and `Background`, the same calls for a model whose work runs on one;
- `PlaneFigure`, `update`: the plane plot, and changing a mark in one message (bqplot,
  imported when first asked for: it imports pandas, 45 MB and 0.4 s a kernel, and the
  lab's kernel draws without it);
- `NetworkCanvas`: the network picture (tiles and weighted links), drawn by the browser,
  and `PlaneView` and `CurvesView`, the output over the plane and curves over the epochs
  drawn from the same frames (one message each).
"""

from .binding import Control, bind, build_controls, make_room
from .curves_view import CurvesView
from .messages import MessageArea, message_html
from .network_canvas import NetworkCanvas
from .plane_view import PlaneView
from .runner import Background, Runner

__all__ = [
    "Background",
    "Control",
    "CurvesView",
    "MessageArea",
    "NetworkCanvas",
    "PlaneFigure",
    "PlaneView",
    "Runner",
    "bind",
    "build_controls",
    "diverging_scale",
    "make_room",
    "message_html",
    "update",
]


def __getattr__(name: str):
    if name in ("PlaneFigure", "diverging_scale", "update"):
        from . import figures

        return getattr(figures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
