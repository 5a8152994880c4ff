"""Widgets for the lessons: one idea each, built on the engine and the lab.

Imported on first use, so that `import dllab.lessons` stays light:
`from dllab.lessons import BackpropInspector`.
"""

from importlib import import_module

_HOMES = {
    "BackpropInspector": "backprop",
    "DescentPath": "descent_path",
    "DepthSweep": "sweep",
    "SweepModel": "sweep_model",
    "LayerGallery": "gallery",
    "GalleryModel": "gallery",
    "DeepVsTraditional": "compare",
    "ScalingCurves": "scaling",
    "PlaneQuiz": "plane_quiz",
    "DigitQuiz": "digit_quiz",
    "DigitsReport": "digits_report",
    "DigitGrid": "digit_grid",
    "ImageLesson": "images",
    "ImagesModel": "images_model",
    "NameMaker": "language",
    "NameMakerModel": "language_model",
    "ContextDepthSweep": "language_sweep",
    "ContextSweepModel": "language_sweep",
}

__all__ = list(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module 'dllab.lessons' has no attribute {name!r}")
