"""The room's Voila server: Voila 0.5's stand-alone app with what a room open to a network
needs, and nothing from dllab's widgets (the server never imports them; kernels do).

- `RoomIdentityProvider`: the room's token (Voila's own `--token`) is required. A token in
  the query string (`?token=...`) or an `Authorization: token ...` header logs the browser
  in with a cookie (`SameSite=Lax`, so no other site's `<img>` or `<iframe>` carries it);
  without it a page gets `pages.needs_link` and no kernel.
- `RoomKernelManager`: at most `max_kernels` kernels at once, each with `KERNEL_ENV`. The
  check and the count of kernels being started happen with no `await` between them, so a
  burst of requests cannot slip past it; past the cap a new page gets `pages.room_full`
  (503) and no kernel, and the kernels already running are untouched.
- `RoomApplication`: a request whose `Host` header names this server by something other
  than an IP address or one of its own names (DNS rebinding) gets 403 before any handler
  runs: pages, kernel websockets, the kernel API and static files alike.
- `RoomKernelManager.start_watching_activity`: the record of each kernel's activity that
  the idle culler reads, kept from each message's header alone (see there).
- `RoomKernelConnection`, `read_queued`: a kernel's IOPub messages are relayed up to
  `READ_AT_ONCE` per turn of the server's loop, not one.
- `RoomVoila.get_default_logging_config`: the server's logger at its handler's level.
- `RoomPageHandler`: sets the `_xsrf` cookie on every lesson page, so Voila's page-close
  beacon (which posts that cookie's value back) passes the XSRF check, which stays on.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
import tempfile
import uuid
from datetime import datetime, timezone

import tornado.web
import zmq
from jupyter_client.session import Session
from jupyter_server.auth.identity import IdentityProvider
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import IOLoop
from traitlets import Integer, List, Unicode, default
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.voila_identity_provider import VoilaLoginHandler

from . import pages

RETRY_SECONDS = 60  # what a full room's page asks the browser to wait
# Set in every lab kernel the room starts. ipywidgets 8 echoes each change a page sends
# back to it, for other pages of the same kernel; a room's kernel has one page, and on a
# busy server each message ahead of a new run's first frame delays it (the server relays
# a kernel's messages one per turn of its loop).
KERNEL_ENV = {"JUPYTER_WIDGETS_ECHO": "0"}
# pyzmq's ZMQStream hands on one message per turn of the server's loop, and a turn serves
# every kernel: on a busy server each message of a burst (a new run's first frame behind
# the control's own messages) waits a whole turn. The room's streams hand on up to this
# many of a kernel's messages queued at once.
READ_AT_ONCE = 16


def read_queued(stream) -> None:
    """After one message of `stream` was handled, hand on up to READ_AT_ONCE - 1 more that
    are queued now (its callback runs for each, in order) instead of one per turn of the
    loop. Does nothing when called from a message it hands on, or on a closed stream."""
    if READ_AT_ONCE < 2 or getattr(stream, "reading_queued", False) or stream.closed():
        return
    stream.reading_queued = True
    try:
        stream.flush(zmq.POLLIN, limit=READ_AT_ONCE - 1)
    finally:
        stream.reading_queued = False


class RoomFull(Exception):
    """No kernel was started: the room already runs its maximum number."""


class RoomKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager with a maximum number of kernels running at once."""

    max_kernels = Integer(20, help="The most kernels (learners' pages) running at once.").tag(
        config=True
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting: set[str] = set()

    def seats_taken(self) -> int:
        """Kernels running or being started."""
        return len(set(self.list_kernel_ids()) | self._starting)

    def is_full(self) -> bool:
        return self.seats_taken() >= self.max_kernels

    async def start_kernel(self, *args, kernel_id: str | None = None, **kwargs) -> str:
        if kernel_id is not None and kernel_id in self:  # an existing kernel: no new seat
            return await super().start_kernel(*args, kernel_id=kernel_id, **kwargs)
        # Checked and counted in one step (no await in between): concurrent requests
        # cannot all see a free seat.
        if self.is_full():
            self.log.warning(
                "The room is full (%d kernels): no kernel started for a new page",
                self.max_kernels,
            )
            raise RoomFull
        kernel_id = kernel_id or str(uuid.uuid4())
        kwargs["env"] = {**kwargs.get("env", os.environ), **KERNEL_ENV}
        self._starting.add(kernel_id)
        try:
            return await super().start_kernel(*args, kernel_id=kernel_id, **kwargs)
        finally:
            self._starting.discard(kernel_id)

    def start_watching_activity(self, kernel_id):
        """Jupyter's watch on a kernel's IOPub messages (its `last_activity` and
        `execution_state`, which the idle culler reads), with the same rules, reading only
        what they need: the signature and the headers, and a status message's content.
        Jupyter's own deserializes every message whole, parsing its dates, and logs a debug
        record for it: with labs playing, a third of the server's CPU
        (py-spy on benchmarks/bench_load.py's room)."""
        kernel = self._kernels[kernel_id]
        kernel.reason = ""
        kernel.last_activity = _now()
        kernel._activity_stream = kernel.connect_iopub()
        session = Session(config=kernel.session.config, key=kernel.session.key)
        tracked = self.track_message_type

        def record_activity(msg_list):
            # Frames, not copies: a frame's buffers (a canvas's pixels) are never read.
            _idents, frames = session.feed_identities(msg_list, copy=False)
            # signature, header, parent header, metadata, content (then buffers)
            parts = [frame.bytes for frame in frames[:5]]
            if len(parts) < 5:
                return
            if session.auth is not None and not hmac.compare_digest(
                parts[0], session.sign(parts[1:5])
            ):
                self.log.warning("ignored an IOPub message with a wrong signature")
                return
            msg_type = session.unpack(parts[1]).get("msg_type")
            parent_type = (session.unpack(parts[2]) or {}).get("msg_type")
            if tracked(msg_type) or tracked(parent_type) or kernel.execution_state == "busy":
                self.last_kernel_activity = kernel.last_activity = _now()
            if msg_type == "status":
                state = session.unpack(parts[4]).get("execution_state")
                if tracked(parent_type):
                    kernel.execution_state = state
                elif kernel.execution_state == "starting" and state != "starting":
                    kernel.execution_state = "idle"

        def record_queued(msg_list):
            record_activity(msg_list)
            read_queued(kernel._activity_stream)

        kernel._activity_stream.on_recv(record_queued, copy=False)


class RoomKernelConnection(ZMQChannelsWebsocketConnection):
    """Jupyter's kernel websocket connection, relaying a kernel's queued IOPub messages
    up to READ_AT_ONCE at a time (see `read_queued`)."""

    def handle_outgoing_message(self, stream, outgoing_msg) -> None:
        super().handle_outgoing_message(stream, outgoing_msg)
        # (a message replayed to a page that reconnects names its stream by its channel)
        if not isinstance(stream, str) and getattr(stream, "channel", None) == "iopub":
            read_queued(stream)


class RoomIdentityProvider(IdentityProvider):
    """Jupyter's token login with nothing else (no password to set), and a `SameSite=Lax`
    login cookie, so that another site's `<img>`, `<iframe>` or script cannot use a
    learner's login."""

    @default("cookie_options")
    def _default_cookie_options(self):
        return {"samesite": "Lax"}

    def process_login_form(self, handler):
        typed = handler.get_argument("password", default="").strip()
        if self.token and typed == self.token:
            return self.generate_anonymous_user(handler)
        return None


class RoomLoginHandler(VoilaLoginHandler):
    """Where a page asked for without the token is sent: a plain page saying what to do
    (ask for the room's link), with a field for the room's code."""

    def _render(self, message=None):
        next_url = self.get_argument("next", default=self.base_url)
        self.write(
            pages.needs_link(
                form_action=self.request.path,
                next_url=next_url,
                xsrf_field=self.xsrf_form_html(),
                wrong=bool(message),
            )
        )


class RoomPageHandler(TornadoVoilaHandler):
    """Voila's page handler, with the `_xsrf` cookie set and the room's cap applied."""

    @tornado.web.authenticated
    async def get(self, path=None):
        # Voila 0.5's page never sets the cookie its own page-close beacon sends back.
        self.xsrf_token  # noqa: B018 - reading it sets the cookie
        # No work for a page that will not get a kernel (a kernel manager given on the
        # command line may have no cap).
        if getattr(self.kernel_manager, "is_full", lambda: False)():
            return self._room_full()
        try:
            async for html in self.get_generator(path=path):
                self.write(html)
                self.flush()
        except RoomFull:
            self._room_full()

    def _room_full(self) -> None:
        if self._headers_written:  # cannot happen: Voila starts the kernel first
            self.finish()
            return
        self.clear()
        self.set_status(503)
        self.set_header("Retry-After", str(RETRY_SECONDS))
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(pages.room_full(self.kernel_manager.max_kernels, RETRY_SECONDS))


class WrongHostHandler(tornado.web.RequestHandler):
    """Answers every request that named the server by a name it does not answer to."""

    def prepare(self):
        self.set_status(403)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(pages.wrong_address(self.request.host))

    def check_xsrf_cookie(self):  # nothing to protect: it changes nothing
        pass


def split_host(host: str) -> str:
    """The name or address in a Host header: no port, no IPv6 brackets, lower case, no
    trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host[1:]
    else:
        host = re.sub(r":\d*$", "", host)
    return host.rstrip(".")


def host_allowed(host: str, names) -> bool:
    """Whether a request's Host header may reach the room.

    An IP address always may: a browser sends one only when its URL held that address,
    so the page asking is this server's own (DNS rebinding needs a name, resolved by the
    attacker's DNS to this machine). A name must be one of `names`."""
    host = split_host(host)
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host in names
    return True


class RoomApplication(tornado.web.Application):
    """Tornado's application with the Host check in front of every handler."""

    def __init__(self, *args, allowed_names=(), **settings):
        super().__init__(*args, **settings)
        self.allowed_names = frozenset(split_host(name) for name in allowed_names)

    def find_handler(self, request, **kwargs):
        if not host_allowed(request.host or "", self.allowed_names):
            return self.get_handler_delegate(request, WrongHostHandler)
        return super().find_handler(request, **kwargs)


class RoomVoila(Voila):
    """Voila's stand-alone app with the room's handlers, login, cap and Host check.

    Reads no configuration file: its settings come from `dllab.room.main` and the command
    line, so it behaves the same from any folder."""

    allowed_hosts = List(
        Unicode(),
        config=True,
        help="Host names the room answers to, beyond its IP addresses and this machine's "
        "own names (e.g. a DNS name for it, or a proxy's).",
    )
    announce = None  # set by main(): printed once the server listens

    @default("config_file_paths")
    def _no_config_files(self):
        return []

    def get_default_logging_config(self):
        """traitlets' logging, with the logger at its handler's level rather than DEBUG:
        a debug record is otherwise built (and dropped) for every message relayed."""
        config = super().get_default_logging_config()
        handler = config.get("handlers", {}).get("console")
        logger = config.get("loggers", {}).get(self.__class__.__name__)
        if handler is not None and logger is not None:
            logger["level"] = handler["level"]
        return config

    def init_settings(self):
        settings = super().init_settings()
        self.identity_provider.login_handler_class = RoomLoginHandler
        settings["xsrf_cookie_kwargs"] = {"samesite": "Lax"}
        return settings

    def init_handlers(self):
        handlers = []
        for rule in super().init_handlers():
            if len(rule) > 1 and rule[1] is TornadoVoilaHandler:
                rule = (rule[0], RoomPageHandler, *rule[2:])
            handlers.append(rule)
        return handlers

    def start(self):
        # Voila.start, with RoomApplication instead of tornado's Application.
        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        self.log.info("Storing connection files in %s.", self.connection_dir)
        settings = self.init_settings()
        self.app = RoomApplication(allowed_names=self.host_names(), **settings)
        self.app.settings.update(self.tornado_settings)
        self.app.add_handlers(".*$", self.init_handlers())
        if self.announce is not None:
            IOLoop.current().add_callback(self.announce, self)
        self.listen()

    def host_names(self) -> list[str]:
        """Names this server answers to (any IP address is answered to as well)."""
        import socket

        hostname = socket.gethostname()
        names = {"localhost", hostname, f"{hostname}.local", socket.getfqdn()}
        if self.ip and not _is_address(self.ip):
            names.add(self.ip)
        names.update(self.allowed_hosts)
        return sorted(name for name in names if name)


def _now() -> datetime:
    """What jupyter_server records as a kernel's last activity: now, in UTC."""
    return datetime.now(timezone.utc)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def total_memory_mb() -> float | None:
    """This machine's memory in MB, or a container's limit if smaller; None if unknown."""
    total = None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    except (ValueError, OSError, AttributeError):
        pass
    try:  # cgroup v2: a container's memory limit ("max" when there is none)
        limit = open("/sys/fs/cgroup/memory.max").read().strip()
        if limit.isdigit():
            total = min(total or float("inf"), int(limit) / 2**20)
    except OSError:
        pass
    return total
