"""The room's command and server pieces, without a browser (tests/browser/test_workshop.py
runs the room itself): the default cap, the token, the Host check, the cap under
concurrent starts, the settings shared with voila.json, and the command's entry point."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import zmq

import dllab.room as room
from dllab.room import server

ROOT = Path(__file__).resolve().parents[1]


def run(coroutine):
    """asyncio.run in a thread of its own (pytest may run Playwright's loop in this one)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result(timeout=60)


@pytest.mark.parametrize(
    ("total_mb", "expected"),
    [
        (24_000, 100),  # 24 GB: 120 by memory, bounded to 100
        (16_000, 80),
        (8_000, 40),  # 8 GB laptop: 40 learners at 150 MB in 6 GB
        (4_000, 20),
        (600, 3),
        (100, 2),  # never fewer than 2
        (None, None),  # unknown: the fallback
    ],
)
def test_the_default_cap_is_sized_from_memory(total_mb, expected, monkeypatch):
    if total_mb is None:
        monkeypatch.setattr(server, "total_memory_mb", lambda: None)
        assert room.default_max_kernels() == room.FALLBACK_KERNELS
        return
    assert room.default_max_kernels(total_mb) == expected
    # 150 MB a kernel, the measured 105-125 MB with room to spare, in 3/4 of memory
    assert expected * room.MB_PER_KERNEL <= max(total_mb * 0.75, 2 * room.MB_PER_KERNEL)


def test_this_machines_memory_is_read():
    total = server.total_memory_mb()
    assert total is not None and total > 256
    assert room.MIN_KERNELS <= room.default_max_kernels() <= room.MAX_KERNELS


def test_a_generated_token_reads_off_a_board():
    tokens = {room.make_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert re.fullmatch(r"[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}", token), token
        assert not set(token) & set("01oli")


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:8866",
        "192.168.1.23:8866",
        "10.0.0.5",
        "[::1]:8866",
        "[fe80::1]:8866",
        "localhost:8866",
        "LOCALHOST.:8866",
        "teacher-laptop:8866",
        "teacher-laptop.local:8866",
        "lab.school.example:8866",  # given with --allow-host
    ],
)
def test_the_room_answers_to_addresses_and_its_own_names(host):
    names = {"localhost", "teacher-laptop", "teacher-laptop.local", "lab.school.example"}
    assert server.host_allowed(host, names)


@pytest.mark.parametrize(
    "host",
    [
        "rebound.example:8866",  # DNS rebinding: the attacker's name resolved to us
        "localhost.rebound.example",
        "127.0.0.1.nip.io:8866",
        "teacher-laptop.evil.example",
        "",
        ":8866",
        "3232235786",  # not an address as written: a name, and an unknown one
    ],
)
def test_the_room_refuses_other_names(host):
    assert not server.host_allowed(host, {"localhost", "teacher-laptop"})


def test_the_room_knows_this_machines_names():
    app = server.RoomVoila(config=room.room_config("abcdef12", 3, 8866, "0.0.0.0", ["lab.example"]))
    names = set(app.host_names())
    assert {"localhost", socket.gethostname(), "lab.example"} <= names


def test_the_cap_holds_when_many_pages_ask_at_once(monkeypatch):
    """Thirty starts at the same moment, each taking a while: three kernels, 27 refusals."""
    running: dict[str, bool] = {}

    async def start(self, *args, kernel_id=None, **kwargs):
        await asyncio.sleep(0.05)  # a kernel takes time to start: others ask meanwhile
        running[kernel_id] = True
        return kernel_id

    base = server.RoomKernelManager.__mro__[1]
    monkeypatch.setattr(base, "start_kernel", start)
    monkeypatch.setattr(server.RoomKernelManager, "list_kernel_ids", lambda self: list(running))
    manager = server.RoomKernelManager(max_kernels=3)

    async def rush():
        starts = [manager.start_kernel(kernel_name="python3") for _ in range(30)]
        return await asyncio.gather(*starts, return_exceptions=True)

    results = run(rush())
    started = [r for r in results if isinstance(r, str)]
    assert len(started) == 3 and len(running) == 3
    assert all(isinstance(r, server.RoomFull) for r in results if not isinstance(r, str))
    assert manager.is_full() and manager.seats_taken() == 3
    running.pop(started[0])  # one page closed: one place
    assert not manager.is_full()
    assert isinstance(run(manager.start_kernel(kernel_name="python3")), str)
    assert manager.is_full()


def test_the_rooms_kernels_start_with_the_page_s_variables_and_no_widget_echo(monkeypatch):
    seen = {}

    async def start(self, *args, kernel_id=None, **kwargs):
        seen.update(kwargs)
        return kernel_id

    monkeypatch.setattr(server.RoomKernelManager.__mro__[1], "start_kernel", start)
    manager = server.RoomKernelManager(max_kernels=3)
    page_env = {"PATH": "/bin", "QUERY_STRING": "setup=hidden%3D3"}  # as Voila passes it
    run(manager.start_kernel(kernel_name="python3", env=page_env))
    assert seen["env"] == {**page_env, "JUPYTER_WIDGETS_ECHO": "0"}
    assert page_env == {"PATH": "/bin", "QUERY_STRING": "setup=hidden%3D3"}  # not changed
    run(manager.start_kernel(kernel_name="python3"))  # no env given: the server's own
    assert seen["env"]["JUPYTER_WIDGETS_ECHO"] == "0" and seen["env"]["PATH"] == os.environ["PATH"]


def relayed_per_turn(count: int) -> tuple[list[int], list[int]]:
    """Queue `count` messages on a socket, then let a stream hand them on as the room's
    relay does (calling `server.read_queued` after each): the messages in the order handed
    on, and how many each turn of the loop handed on."""

    async def scenario():
        from zmq.eventloop.zmqstream import ZMQStream

        context = zmq.Context()
        pull, push = context.socket(zmq.PULL), context.socket(zmq.PUSH)
        pull.bind("inproc://kernel-iopub")
        push.connect("inproc://kernel-iopub")
        for number in range(count):
            push.send(str(number).encode())
        stream = ZMQStream(pull)
        got, turns, depth = [], [], [0]

        def on_recv(msg):
            got.append(int(msg[0].bytes))
            if depth[0] == 0:  # a turn of the loop, not a message handed on in one
                depth[0] += 1
                before = len(got) - 1
                server.read_queued(stream)
                depth[0] -= 1
                turns.append(len(got) - before)

        stream.on_recv(on_recv, copy=False)
        for _ in range(500):
            if len(got) == count:
                break
            await asyncio.sleep(0.01)
        stream.close()
        push.close()
        context.term()
        return got, turns

    return run(scenario())


def test_a_kernels_queued_messages_are_relayed_together_not_one_a_turn(monkeypatch):
    got, turns = relayed_per_turn(server.READ_AT_ONCE + 4)
    assert got == list(range(server.READ_AT_ONCE + 4))  # all, in order
    assert turns == [server.READ_AT_ONCE, 4]
    monkeypatch.setattr(server, "READ_AT_ONCE", 1)  # pyzmq's own: one a turn
    got, turns = relayed_per_turn(5)
    assert got == list(range(5)) and turns == [1] * 5


def test_the_room_relays_a_kernels_messages_with_its_own_connection():
    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection,
    )

    connection = room.room_config("abcdef12", 5, 8866, "127.0.0.1").Voila[
        "kernel_websocket_connection_class"
    ]
    assert connection is server.RoomKernelConnection
    assert issubclass(connection, ZMQChannelsWebsocketConnection)


def test_voila_json_holds_the_lessons_settings_and_the_xsrf_check_stays_on():
    """voila.json (read by Binder's Voila and by a plain `voila notebooks/`) and the room
    serve the lessons alike."""
    config = json.loads((ROOT / "voila.json").read_text())
    assert config == room.LESSON_SETTINGS
    assert "disable_check_xsrf" not in json.dumps(config)
    settings = room.room_config("abcdef12", 5, 8866, "127.0.0.1")
    assert "tornado_settings" not in settings.Voila
    assert settings.RoomKernelManager.max_kernels == 5


def test_the_command_is_dllab_room():
    project = (ROOT / "pyproject.toml").read_text()
    scripts = project.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    assert 'dllab-room = "dllab.room:main"' in scripts
    assert "from dllab.room import main" in (ROOT / "dllab" / "room" / "__main__.py").read_text()
    help_text = subprocess.run(
        [sys.executable, "-m", "dllab.room", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert help_text.returncode == 0, help_text.stderr
    for option in ("--token", "--max-kernels", "--ip", "--port", "--allow-host"):
        assert option in help_text.stdout


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--token", "owl"], "at least 6 characters"),
        (["--token", "owl river"], "without spaces"),
        (["--max-kernels", "0"], "at least 1"),
        (["no/such/folder"], "not a folder"),
    ],
)
def test_the_command_refuses_what_would_not_work(argv, says):
    with pytest.raises(SystemExit) as stopped:
        room.main(["--ip", "127.0.0.1", *argv])
    assert says in str(stopped.value)


def test_the_command_says_when_its_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            room.main(["--ip", "127.0.0.1", "--port", str(port), str(ROOT / "notebooks")])
    assert f"port {port} is in use" in str(stopped.value)


def test_the_banner_gives_the_link_to_hand_out(monkeypatch):
    monkeypatch.setattr(room, "lan_addresses", lambda: ["192.168.1.23"])
    text = room.banner(Path("notebooks"), "0.0.0.0", 8866, "k7m2-p9xq-4hzt", 40)
    assert "    http://192.168.1.23:8866/?token=k7m2-p9xq-4hzt" in text
    assert "On this machine: http://127.0.0.1:8866/?token=k7m2-p9xq-4hzt" in text
    assert "at most 40 labs" in text
    alone = room.banner(Path("notebooks"), "127.0.0.1", 8866, "k7m2-p9xq-4hzt", 40)
    assert "Open: http://127.0.0.1:8866/?token=k7m2-p9xq-4hzt" in alone
    chosen = room.banner(Path("notebooks"), "10.1.2.3", 9000, "a token&more", 40)
    assert "http://10.1.2.3:9000/?token=a%20token%26more" in chosen


def test_the_room_server_loads_no_widget_code():
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, dllab.room, dllab.room.server\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'ipywidgets', 'bqplot', 'anywidget'} or m.startswith(('dllab.lab', "
            "'dllab.lessons'))))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(os.name != "posix", reason="Unix sockets: the room keeps TCP elsewhere")
def test_the_rooms_kernels_talk_over_private_socket_files_not_tcp_ports(tmp_path):
    """A TCP port is chosen by the server and bound by the kernel a moment later, and 30
    pages opening at once sometimes lost one to another socket in between: the kernel
    restarted on new ports and the server blocked for good on the old one. A kernel started
    with the room's settings binds socket files in the server's private directory."""
    import stat

    from jupyter_client.manager import AsyncKernelManager

    config = room.room_config("abcdef12", 5, 8866, "127.0.0.1")
    private = tmp_path / "connections"
    private.mkdir(mode=0o700)

    async def scenario():
        manager = AsyncKernelManager(
            config=config, connection_file=str(private / "kernel-test.json")
        )
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            reply = await client.kernel_info(reply=True, timeout=30)
            files = sorted(private.glob("kernel-test-ipc-*"))
            sockets = [f.name for f in files if stat.S_ISSOCK(f.stat().st_mode)]
            return manager.get_connection_info(), reply["content"]["status"], sockets
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    info, status, sockets = run(scenario())
    assert status == "ok"  # the kernel answers over them
    assert info["transport"] == "ipc" and info["ip"].startswith(str(private))
    # shell, IOPub, stdin, control, heartbeat: a socket file each, no port to take
    assert sockets == [f"kernel-test-ipc-{n}" for n in range(1, 6)]
    # Voila's private folder under a root short enough for a socket's path on macOS too
    # (at most 103 bytes), where the temporary folder is /var/folders/xx/.../T/.
    root = config.Voila.connection_dir_root
    longest = f"{root}/voila_12345678/kernel-{uuid.uuid4()}-ipc-5"
    assert root == "/tmp" and len(longest.encode()) <= 103
    assert not list(private.glob("kernel-test-ipc-*"))  # removed with the kernel
