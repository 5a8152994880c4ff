"""The look shared by the lab and every lesson: colours, labels, widget styles, and
numbers written as a person reads them."""

from __future__ import annotations

import html

import numpy as np

# TensorFlow Playground's colours: orange negative, white zero, blue positive.
ORANGE, WHITE, BLUE = "#f59322", "#e8eaeb", "#0877bd"
ERROR_RED = "#b00020"
GREY = "#757575"
STYLE = {"description_width": "initial"}
FONT = "font-size:15px;line-height:1.45"
LOSS_COLOURS = ["#333333", "#999999"]  # test, training
ACCURACY_COLOURS = [BLUE, "#9ecae1"]

DATASET_LABELS = {
    "circle": "Circle",
    "xor": "Exclusive or (xor)",
    "gauss": "Two Gaussians",
    "spiral": "Spiral",
    "plane": "Plane (regression)",
    "multi_gauss": "Multi-Gaussian (regression)",
    "digits": "Handwritten digits (8x8)",
    "shapes": "Shapes (24x24 pictures)",
    "my data": "My data",
}
HEAD_LABELS = {
    "tanh": "Classify: tanh, squared error",
    "sigmoid": "Classify: sigmoid, cross-entropy",
    "softmax": "Classify: softmax, cross-entropy",
    "linear": "Regression: linear, squared error",
}


def dataset_options(names) -> list[tuple[str, str]]:
    """(label, name) pairs for a dataset dropdown."""
    return [(DATASET_LABELS.get(name, name), name) for name in names]


def rate_label(rate: float) -> str:
    """A learning or regularisation rate as the playground writes it: 0.03, 1e-05."""
    return f"{rate:g}"


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_number(value: float, digits: int = 3) -> str:
    """A number as a person reads it: 0.012, 3.47, -0.5, 0, 3,128, 0.0000359 (never
    3.59e-05), 1.2 × 10¹¹ for a run that blew up, and 'not a number' or 'infinity' in
    words. Below 1: `digits` decimals (more for tiny values, to show `digits` figures);
    from 1: `digits` significant figures."""
    value = float(value)
    if np.isnan(value):
        return "not a number"
    if np.isinf(value):
        return "infinity" if value > 0 else "-infinity"
    if value == 0:
        return "0"
    size = abs(value)
    if size >= 1e6:
        power = int(np.floor(np.log10(size)))
        mantissa = f"{value / 10.0**power:.2g}"
        return f"{mantissa} × 10{str(power).translate(_SUPERSCRIPTS)}"
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 1:
        text = f"{value:.{digits}g}"
        return text if "e" not in text else f"{value:.0f}"
    decimals = digits if size >= 0.001 else min(12, int(-np.floor(np.log10(size))) + digits)
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """'1 epoch', '2 epochs', '0 networks'."""
    word = noun if count == 1 else (plural_noun or noun + "s")
    return f"{count:,} {word}"


def layer_colours(n: int) -> list[str]:
    """`n` shades from light to dark blue, first layer to output."""
    shades = np.linspace(0.25, 1.0, n)
    return ["#" + "".join(f"{int(255 - s * (255 - c)):02x}" for c in (8, 81, 156)) for s in shades]


def legend_html(entries) -> str:
    """A legend as a line of text (where it never covers a curve): `entries` are
    (label, colour, dashed) triples."""
    parts = []
    for label, colour, dashed in entries:
        dashes = ' stroke-dasharray="5,3"' if dashed else ""
        sample = (
            f'<svg width="26" height="10"><line x1="1" y1="5" x2="25" y2="5" '
            f'stroke="{colour}" stroke-width="2.5"{dashes}/></svg>'
        )
        parts.append(
            f'<span style="white-space:nowrap;margin-right:14px">{sample} '
            f"{html.escape(label)}</span>"
        )
    return '<div style="font-size:12px;line-height:20px">' + "".join(parts) + "</div>"


def bars_html(labels, shares, title: str, size: tuple[int, int], colour: str = BLUE) -> str:
    """A bar chart of `shares` (0 to 1, one per label) as HTML, `size` (width, height)
    pixels: a bar per label, its share written above it, the label under it."""
    width, height = size
    shares = [min(1.0, max(0.0, float(v))) if np.isfinite(v) else 0.0 for v in shares]
    plot = height - 62  # room for the title, the shares above and the labels under
    bars = "".join(
        f'<div style="flex:1;display:flex;flex-direction:column;justify-content:flex-end;'
        f'align-items:center;min-width:0" title="{html.escape(str(label))}: {share:.1%}">'
        f'<span style="font-size:11px;color:#555">{share:.0%}</span>'
        f'<div class="dllab-bar" style="width:70%;height:{round(share * plot)}px;'
        f'background:{colour}"></div></div>'
        for label, share in zip(labels, shares)
    )
    names = "".join(
        f'<div style="flex:1;text-align:center;overflow:hidden;white-space:nowrap;'
        f'text-overflow:ellipsis;min-width:0">{html.escape(str(label))}</div>'
        for label in labels
    )
    return (
        f'<div class="dllab-bars" role="img" aria-label="{html.escape(title)}" '
        f'style="width:{width}px;height:{height}px;box-sizing:border-box;padding:0 8px">'
        f'<div style="font-size:16px;text-align:center;height:24px">{html.escape(title)}</div>'
        f'<div style="display:flex;gap:4px;height:{plot + 16}px;border-bottom:1px solid #999">'
        f"{bars}</div>"
        f'<div style="display:flex;gap:4px;font-size:12px;margin-top:3px">{names}</div></div>'
    )


def lines_legend(marks) -> str:
    """The legend of bqplot Lines marks: each label beside a sample of its colour and
    dashes."""
    return legend_html(
        (label, colour, mark.line_style == "dashed")
        for mark in marks
        for label, colour in zip(mark.labels, mark.colors)
    )
