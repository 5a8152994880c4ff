"""The lessons served to a room: one command that starts Voila on `notebooks/` with a room
token, a cap on kernels and the other settings a server open to a network needs.

    dllab-room                    # or: python -m dllab.room
    dllab-room --max-kernels 25 --token owl-river-42 --port 8866 path/to/notebooks

It prints the link to hand out (`http://<address>:8866/?token=...`). See
docs/workshops.md. The server is in `dllab.room.server`; this module holds the settings and
the command. Nothing here imports dllab's widgets: the server process stays small, and only
the learners' kernels load the lab.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import secrets
import socket
from pathlib import Path
from urllib.parse import quote

PORT = 8866
# Sizing the default cap: the lab's kernel is about 92 MB resident, a lesson's with bqplot
# plots 120-125 MB (measured; lesson 4's baselines add about 80 MB once fitted), so count
# 150 MB a learner, in 3/4 of the
# machine's memory (the rest for the system and the server), between 2 and 100 kernels.
MB_PER_KERNEL = 150
MEMORY_SHARE = 0.75
MIN_KERNELS, MAX_KERNELS = 2, 100
FALLBACK_KERNELS = 20  # when the machine's memory cannot be read
TOKEN_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read off a board
MIN_TOKEN_LENGTH = 6

# What every serving of the lessons sets; voila.json holds the same for Binder and for a
# plain `voila notebooks/` (tests/test_room.py checks that the two agree).
LESSON_SETTINGS = {
    "VoilaConfiguration": {
        "strip_sources": True,  # the page holds the widgets, not the notebook's code
        "show_tracebacks": False,
        "file_allowlist": [r".*\.(png|jpg|gif|svg)"],
        "file_denylist": [r".*\.(ipynb|py)"],
    },
    "MappingKernelManager": {
        "cull_idle_timeout": 60,  # a kernel with no page and no activity for 60 s goes
        "cull_interval": 15,
        "cull_connected": False,
    },
    "VoilaExecutor": {"iopub_timeout": 30},  # pages opened in a rush: a busy machine
}


def make_token() -> str:
    """A room token easy to read aloud or copy from a board: 3 groups of 4 characters
    (about 59 bits), e.g. `k7m2-p9xq-4hzt`."""
    return "-".join("".join(secrets.choice(TOKEN_ALPHABET) for _ in range(4)) for _ in range(3))


def default_max_kernels(total_mb: float | None = None) -> int:
    """The default cap on kernels: 3/4 of the memory at 150 MB a kernel, 2 to 100."""
    if total_mb is None:
        from .server import total_memory_mb

        total_mb = total_memory_mb()
    if not total_mb:
        return FALLBACK_KERNELS
    return max(MIN_KERNELS, min(MAX_KERNELS, int(total_mb * MEMORY_SHARE / MB_PER_KERNEL)))


def room_config(token: str, max_kernels: int, port: int, ip: str, allowed_hosts=()):
    """The whole Voila configuration of a room (the command line may add to it)."""
    from traitlets.config import Config

    from .server import RoomIdentityProvider, RoomKernelConnection, RoomKernelManager

    config = Config({section: dict(values) for section, values in LESSON_SETTINGS.items()})
    config.VoilaConfiguration.multi_kernel_manager_class = RoomKernelManager
    config.RoomKernelManager.max_kernels = max_kernels
    config.Voila.token = token
    config.Voila.identity_provider_class = RoomIdentityProvider
    config.Voila.kernel_websocket_connection_class = RoomKernelConnection
    config.Voila.open_browser = False
    config.Voila.port = port
    config.Voila.port_retries = 0  # the printed link must be right: no other port
    config.Voila.ip = ip
    config.RoomVoila.allowed_hosts = list(allowed_hosts)
    if os.name == "posix":
        # Kernels and server talk over Unix sockets in the server's private connection
        # directory, not TCP ports on 127.0.0.1. A TCP port is chosen by the server and
        # bound by the kernel a moment later: with 30 pages opening at once, another
        # socket sometimes took it in between ("Address already in use"), the kernel was
        # restarted on new ports, and the server blocked for good sending to the old one:
        # every page timed out. A socket file cannot be taken, nor reached by another user.
        config.KernelManager.transport = "ipc"
        # A socket file's path holds at most 103 bytes on macOS (107 on Linux): under
        # macOS's temporary folder (/var/folders/xx/.../T/, about 50) Voila's private folder
        # and kernel-<id>-ipc-N come to about 113. Under /tmp they are 69 (the private
        # folder is still mode 700).
        if os.access("/tmp", os.W_OK | os.X_OK):
            config.Voila.connection_dir_root = "/tmp"
    return config


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other laptops can use (not loopback, not link-local),
    read from the interfaces (no packet is sent)."""
    found: set[str] = set()
    try:
        import psutil

        for addresses in psutil.net_if_addrs().values():
            found.update(a.address for a in addresses if a.family == socket.AF_INET)
    except ImportError:
        found.update(_interface_addresses())
    try:
        found.update(
            info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        )
    except OSError:
        pass
    usable = []
    for text in found:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue
        if not (address.is_loopback or address.is_link_local or address.is_unspecified):
            usable.append(address)
    return [str(a) for a in sorted(usable)]


def _interface_addresses() -> set[str]:
    """IPv4 address of each network interface (Linux ioctl; empty elsewhere)."""
    try:
        import fcntl
        import struct
    except ImportError:
        return set()
    found = set()
    try:
        interfaces = socket.if_nameindex()
    except OSError:
        return found
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in interfaces:
            try:
                packed = fcntl.ioctl(
                    probe.fileno(), 0x8915, struct.pack("256s", name.encode()[:15])
                )  # SIOCGIFADDR
            except OSError:
                continue
            found.add(socket.inet_ntoa(packed[20:24]))
    return found


def room_links(ip: str, port: int, token: str) -> tuple[list[str], str]:
    """(links to hand out, the link on this machine)."""
    query = f"?token={quote(token, safe='')}"
    local = f"http://127.0.0.1:{port}/{query}"
    if ip in ("", "0.0.0.0", "::"):
        hosts = lan_addresses() or [socket.gethostname()]
    elif ip in ("localhost", "127.0.0.1", "::1"):
        return [], local
    else:
        hosts = [ip]
    hosts = [f"[{h}]" if ":" in h else h for h in hosts]
    return [f"http://{host}:{port}/{query}" for host in hosts], local


def banner(folder: Path, ip: str, port: int, token: str, max_kernels: int) -> str:
    links, local = room_links(ip, port, token)
    lines = [
        "",
        f"dllab room: the lessons in {folder}",
        f"at most {max_kernels} labs open at once (one kernel each, about 90-150 MB).",
        "",
    ]
    if links:
        lines += ["Hand out this link (the token in it is the room's key):", ""]
        lines += [f"    {link}" for link in links]
        lines += ["", f"On this machine: {local}"]
    else:
        lines += [
            f"Open: {local}",
            "(this machine only: without --ip, the room listens on every network address)",
        ]
    lines += [
        "",
        "Without the token a page asks for the room's link; with every place taken a new",
        "page says the room is full. Stop the room with Ctrl+C.",
        "",
    ]
    return "\n".join(lines)


def find_folder(given: str | None) -> Path:
    """The lessons' folder: the one given, else ./notebooks, else the repository's."""
    if given:
        folder = Path(given)
        if not folder.is_dir():
            raise SystemExit(f"dllab-room: {given} is not a folder of notebooks")
        return folder.resolve()
    for folder in (Path.cwd() / "notebooks", Path(__file__).resolve().parents[2] / "notebooks"):
        if folder.is_dir():
            return folder
    raise SystemExit(
        "dllab-room: no notebooks/ folder here: run it from the repository, or name the "
        "folder of the lessons (dllab-room path/to/notebooks)"
    )


def port_free(ip: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip or "0.0.0.0", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(
        prog="dllab-room",
        description="Serve dllab's lessons to a room: Voila with a room token and a cap "
        "on kernels. Prints the link to hand out.",
        epilog="Other options go to Voila as written, in the --Class.option=value form "
        "(e.g. --MappingKernelManager.cull_idle_timeout=120).",
    )
    made.add_argument("folder", nargs="?", help="the notebooks to serve (default: notebooks/)")
    made.add_argument("--port", type=int, default=PORT, help=f"port (default {PORT})")
    made.add_argument(
        "--ip",
        default="0.0.0.0",
        help="address to listen on (default 0.0.0.0: every network of this machine; "
        "127.0.0.1 for this machine only)",
    )
    made.add_argument(
        "--token",
        help="the room's token, part of the link (default: a new one, printed); "
        f"at least {MIN_TOKEN_LENGTH} characters",
    )
    made.add_argument(
        "--max-kernels",
        type=int,
        metavar="N",
        help="the most labs open at once (default: from this machine's memory, "
        f"{MB_PER_KERNEL} MB each in 3/4 of it, {MIN_KERNELS}-{MAX_KERNELS}; "
        f"here {default_max_kernels()})",
    )
    made.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name the room answers to besides its addresses and this machine's "
        "names (a DNS name for it, a proxy's); repeatable",
    )
    return made


def main(argv: list[str] | None = None) -> int:
    args, voila_args = parser().parse_known_args(argv)
    folder = find_folder(args.folder)
    token = make_token() if args.token is None else args.token.strip()
    if len(token) < MIN_TOKEN_LENGTH or any(c.isspace() for c in token):
        raise SystemExit(
            f"dllab-room: the token must be at least {MIN_TOKEN_LENGTH} characters, without "
            "spaces (anyone who guesses it can open labs)"
        )
    max_kernels = args.max_kernels if args.max_kernels is not None else default_max_kernels()
    if max_kernels < 1:
        raise SystemExit("dllab-room: --max-kernels must be at least 1")
    if not port_free(args.ip, args.port):
        raise SystemExit(
            f"dllab-room: port {args.port} is in use (is the room already running?): "
            "stop that server, or choose another port with --port"
        )

    from .server import RoomVoila

    config = room_config(token, max_kernels, args.port, args.ip, args.allow_host)
    app = RoomVoila.instance(config=config)

    def announce(app):
        print(banner(folder, args.ip, app.port, token, max_kernels), flush=True)

    app.announce = announce
    app.initialize([str(folder), *voila_args])
    app.start()
    return 0
