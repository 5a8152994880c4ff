"""The room's record of each kernel's activity (what the idle culler reads) is Jupyter's:
the same states and times for the same messages, though it reads only headers."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time

import pytest
import zmq
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from dllab.room.server import RoomKernelManager, RoomVoila


async def activity_trace(manager_class) -> list[tuple[str, bool]]:
    """Start a kernel under `manager_class`, run one cell, then send it one comm message
    (as a page answering the lab's canvas does); return, at each step, the kernel's
    execution state and whether its last activity moved."""
    manager = manager_class(connection_dir=tempfile.mkdtemp(prefix="dllab-activity-"))
    kernel_id = await manager.start_kernel()
    kernel = manager.get_kernel(kernel_id)
    client = kernel.client()
    client.start_channels()
    trace = []
    try:
        await client.wait_for_ready(timeout=60)
        await wait_for(lambda: kernel.execution_state == "idle")
        await asyncio.sleep(0.3)
        for send in (
            lambda: client.execute("import time; time.sleep(0.2)"),
            lambda: client.shell_channel.send(
                client.session.msg("comm_msg", {"comm_id": "none", "data": {}})
            ),
        ):
            before = kernel.last_activity
            send()
            await wait_for(lambda then=before: kernel.last_activity != then, timeout=0.5)
            trace.append((kernel.execution_state, kernel.last_activity != before))
            await asyncio.sleep(0.6)
            trace.append((kernel.execution_state, kernel.last_activity != before))
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(kernel_id, now=True)
    return trace


async def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


def test_the_rooms_activity_record_is_jupyters(run_async):
    theirs = run_async(lambda: activity_trace(AsyncMappingKernelManager))
    ours = run_async(lambda: activity_trace(RoomKernelManager))
    assert ours == theirs
    # A cell makes the kernel busy, then idle; a comm message (untracked by default)
    # leaves the state idle, and its activity is recorded.
    assert ours[1] == ("idle", True)


def test_a_message_with_a_wrong_signature_is_not_recorded(run_async):
    async def scenario():
        manager = RoomKernelManager(connection_dir=tempfile.mkdtemp(prefix="dllab-activity-"))
        kernel_id = await manager.start_kernel()
        kernel = manager.get_kernel(kernel_id)
        try:
            record = kernel._activity_stream._recv_callback
            state, before = kernel.execution_state, kernel.last_activity
            forged = kernel.session.serialize(
                kernel.session.msg("status", {"execution_state": "busy"})
            )
            forged[forged.index(b"<IDS|MSG>") + 1] = b"0" * 64  # the signature
            record([zmq.Frame(part) for part in forged])
            return kernel.execution_state == state, kernel.last_activity == before
        finally:
            await manager.shutdown_kernel(kernel_id, now=True)

    assert run_async(scenario) == (True, True)


@pytest.mark.parametrize("level", ["WARN", "INFO", "DEBUG"])
def test_the_servers_logger_writes_what_its_handler_writes(level):
    app = RoomVoila(log_level=level)
    handler_levels = {handler.level for handler in app.log.handlers}
    assert handler_levels == {logging.getLevelName(level)}
    assert app.log.level == logging.getLevelName(level)
