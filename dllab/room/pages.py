"""The room's own pages: what a learner sees instead of the lab, in plain words.

Self-contained HTML (no script, no file from elsewhere), so a page shows even on a laptop
with no internet and whatever the server's state.
"""

from __future__ import annotations

from html import escape

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933;
       background: #f5f7fa; margin: 0; }
main { max-width: 34em; margin: 12vh auto; padding: 2em 2.2em; background: #fff;
       border-radius: 10px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.12); line-height: 1.5; }
h1 { font-size: 1.5em; margin: 0 0 0.6em; }
code { background: #eef1f5; padding: 0.1em 0.3em; border-radius: 3px; }
form { margin-top: 1.4em; display: flex; gap: 0.5em; flex-wrap: wrap; align-items: center; }
input[type=text] { font-size: 1em; padding: 0.35em 0.5em; flex: 1; min-width: 10em; }
button { font-size: 1em; padding: 0.35em 1em; }
.error { color: #b42318; }
.small { color: #616e7c; font-size: 0.9em; }
"""


def page(title: str, body: str, refresh: int | None = None) -> str:
    """A whole page: `body` is HTML already (escape what comes from outside)."""
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{meta}<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>\n"
    )


def needs_link(form_action: str, next_url: str, xsrf_field: str, wrong: bool = False) -> str:
    """A page asked for without the room's token: no lab, and what to do."""
    error = (
        '<p class="error" role="alert">That is not this room\'s code: check it with your '
        "teacher.</p>"
        if wrong
        else ""
    )
    body = (
        "<p>This lab is for the people in the room. <strong>Ask your teacher for the room's "
        "link</strong> and open it: it ends in <code>?token=</code> and a code, and it opens "
        "the lab straight away.</p>"
        f"{error}"
        f'<form method="post" action="{escape(form_action)}">'
        f"{xsrf_field}"
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        '<label for="room-code">Or type the room\'s code:</label>'
        '<input type="text" id="room-code" name="password" autocomplete="off" '
        'autocapitalize="off" spellcheck="false">'
        '<button type="submit">Open the lab</button></form>'
    )
    return page("This lab needs the room's link", body)


def room_full(limit: int, retry_seconds: int) -> str:
    """A new page when every place in the room is taken: no lab, try again soon."""
    body = (
        f"<p>All {limit} places in this room are taken. <strong>Try again in a "
        "minute:</strong> a place frees up as soon as someone closes their lab.</p>"
        f'<p class="small">This page tries again by itself every {retry_seconds} seconds. '
        "If it stays full, tell your teacher.</p>"
    )
    return page("The room is full", body, refresh=retry_seconds)


def wrong_address(host: str) -> str:
    """A request that named this server by an address it does not answer to."""
    body = (
        f"<p>This server does not answer to the address <code>{escape(host)}</code>. Open "
        "the lab with the link your teacher handed out.</p>"
        '<p class="small">The room\'s server answers only to its own addresses and names '
        "(a page on another site cannot reach it by a name of its own).</p>"
    )
    return page("Open the lab by the room's link", body)
