"""One message area per widget: what the learner is told, in plain words."""

from __future__ import annotations

import html

import ipywidgets as w

from .theme import ERROR_RED, FONT

KINDS = ("info", "error")


def message_html(text: str, kind: str = "error") -> str:
    """`text` as the lab writes a message: red for an error or a refusal."""
    if not text:
        return ""
    colour = f"color:{ERROR_RED};" if kind == "error" else ""
    return (
        f'<div class="dllab-message dllab-{kind}" style="{colour}{FONT}">{html.escape(text)}</div>'
    )


class MessageArea(w.HTML):
    """Where a widget tells the learner two things, one under the other:

    - a **refusal** of what they just did (a setting out of range, a preset that does not
      fit): it stays on screen until their next accepted change, whatever else happens;
    - the **status** of the model (diverged, stuck, an error while training), as the model
      says it.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("layout", w.Layout(min_height="24px"))
        super().__init__(**kwargs)
        self.add_class("dllab-messages")
        self._refusal = ""
        self._status = ("", "info")

    @property
    def refusal(self) -> str:
        return self._refusal

    def refuse(self, text: str) -> None:
        """Say why the learner's change was not made (kept until an accepted change)."""
        self._refusal = str(text)
        self._render()

    def accept(self) -> None:
        """The learner's change was made: an earlier refusal no longer applies."""
        if self._refusal:
            self._refusal = ""
            self._render()

    def status(self, text: str, kind: str = "info") -> None:
        """Show the model's own message (empty: none)."""
        if kind not in KINDS:
            raise ValueError(f"kind={kind!r} is not known; choose one of: {', '.join(KINDS)}")
        if (text, kind) != self._status:
            self._status = (str(text), kind)
            self._render()

    def _render(self) -> None:
        text, kind = self._status
        self.value = message_html(self._refusal, "error") + message_html(text, kind)
