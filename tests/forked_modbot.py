"""`modbot run` for the wire tests, forked from a parent that has already imported it.

Every wire test that runs the bot as an outsider does starts `modbot run` in a process of its
own. Most of such a start is importing: aiogram builds the pydantic schemas of its 450 types
(about 3 s of CPU here) and the sentence encoder loads its weights (about 1 s), hundreds of
times per suite on two cores. A fork server pays for that once per test worker: it imports
the bot and its adapters, loads the encoder, and then forks a child per start, which sets up
its own working folder, environment and output files and calls the same `bot.cli.main` the
`modbot` script calls. The child is a process of its own (own pid, own signals, own event
loop and database connections), so stopping it, killing it and reading its exit code work as
for a process started with `exec`; only the import is shared.

`spawn` falls back to a real `asyncio.create_subprocess_exec` when the fork server cannot be
used (no `os.fork` or `socket.send_fds`, a pipe asked for, or ``MODBOT_TEST_EXEC=1``), so
every test also runs as before with that variable set.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

_TESTS = Path(__file__).resolve().parent
_REPO = _TESTS.parent

#: what a child may be started with: an open file, a descriptor, or DEVNULL
Output = IO[Any] | int | None


class ForkedProcess:
    """The parts of `asyncio.subprocess.Process` the wire tests use, for a forked child.

    The child is the fork server's, so its exit status comes back over the connection the
    start was asked on; ``returncode`` is set when it arrives (negative for a signal, as
    asyncio reports it)."""

    def __init__(self, pid: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.pid = pid
        self.returncode: int | None = None
        self.stdout = None
        self.stderr = None
        self.stdin = None
        self._writer = writer
        self._done = asyncio.get_running_loop().create_future()
        self._watch = asyncio.ensure_future(self._await_exit(reader))

    async def _await_exit(self, reader: asyncio.StreamReader) -> None:
        line = await reader.readline()
        self.returncode = int(json.loads(line)["returncode"]) if line else -signal.SIGKILL
        self._writer.close()
        if not self._done.done():
            self._done.set_result(self.returncode)

    async def wait(self) -> int:
        return await asyncio.shield(self._done)

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class _Server:
    """This test worker's fork server: started on first use, stopped at exit."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="modbot-fork-")
        self.path = os.path.join(self.folder, "server.sock")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(_TESTS), str(_REPO), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import forked_modbot; forked_modbot.serve()", self.path],
            env=env, cwd=str(_REPO), stdin=subprocess.DEVNULL)
        atexit.register(self.stop)

    async def ready(self) -> None:
        """Wait until the server listens (it imports the bot first: seconds)."""
        deadline = time.monotonic() + 300
        while not os.path.exists(self.path):
            if self.proc.poll() is not None:
                raise RuntimeError(f"the fork server exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("the fork server did not start")
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        with contextlib.suppress(OSError):
            os.unlink(self.path)
            os.rmdir(self.folder)


_server: list[_Server] = []


def _descriptor(output: Output) -> int | None:
    """The descriptor a child writes ``output`` to, or None when only exec can serve it."""
    if output is None:
        return None
    if output == subprocess.DEVNULL:
        return os.open(os.devnull, os.O_WRONLY)
    if isinstance(output, int):
        return os.dup(output) if output >= 0 else None
    output.flush()
    return os.dup(output.fileno())


async def spawn(*argv: str, cwd: str | None = None, env: dict[str, str] | None = None,
                stdout: Output = None, stderr: Output = None) -> Any:
    """Start `modbot ARGV...`: forked from the fork server, else with exec.

    ``stderr=subprocess.STDOUT`` joins the two as exec does; ``None`` for both means the
    test worker's own output."""
    forkable = (hasattr(os, "fork") and hasattr(socket, "send_fds")
                and os.environ.get("MODBOT_TEST_EXEC") != "1"
                and stdout not in (subprocess.PIPE,) and stderr not in (subprocess.PIPE,))
    if not forkable:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *argv, cwd=cwd, env=env, stdout=stdout, stderr=stderr)
    if not _server or _server[0].proc.poll() is not None:
        _server[:] = [_Server()]
    server = _server[0]
    await server.ready()
    out = _descriptor(stdout) if stdout is not None else os.dup(1)
    err = out if stderr == subprocess.STDOUT else (
        _descriptor(stderr) if stderr is not None else os.dup(2))
    assert out is not None and err is not None
    request = json.dumps({"argv": list(argv), "cwd": cwd or os.getcwd(),
                          "env": dict(os.environ if env is None else env)}).encode() + b"\n"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(server.path)  # a local socket with a listener: returns at once
        socket.send_fds(sock, [request], [out] if err == out else [out, err])
    except BaseException:
        sock.close()
        raise
    finally:
        for fd in {out, err}:
            os.close(fd)
    reader, writer = await asyncio.open_unix_connection(sock=sock)
    answer = json.loads(await reader.readline())
    return ForkedProcess(int(answer["pid"]), reader, writer)


def serve() -> None:
    """The fork server's main: import the bot once, then fork a child per request."""
    import aiosqlite  # noqa: F401  (what `run` imports, before any child needs it)
    import alembic.command  # noqa: F401
    import sqlalchemy.ext.asyncio  # noqa: F401

    import bot.cli
    import bot.runtime.run
    import handlers.telegram
    import handlers.vk  # noqa: F401
    from bot.core.faq.encoder import default_encoder

    default_encoder()
    path = sys.argv[1]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".tmp")
    listener.listen(64)
    os.rename(path + ".tmp", path)  # the path appears only once connections are accepted
    children: dict[int, socket.socket] = {}
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(wake_read, selectors.EVENT_READ, "child")
    worker = os.getppid()
    while os.getppid() == worker:  # a test worker that died leaves no server behind
        for key, _ in selector.select(timeout=5):
            if key.data == "accept":
                conn, _ = listener.accept()
                try:
                    _start_child(conn, listener, children, bot.cli.main)
                except (OSError, ValueError) as exc:  # a starter that went away: not ours
                    print(f"fork server: a start failed: {exc!r}", file=sys.stderr)
                    conn.close()
            else:
                os.read(wake_read, 512)
                _reap(children)


def _start_child(conn: socket.socket, listener: socket.socket,
                 children: dict[int, socket.socket], main: Any) -> None:
    message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 2)
    while not message.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            raise ConnectionError("the request was cut short")
        message += more
    request = json.loads(message)
    out, err = (fds[0], fds[0]) if len(fds) == 1 else (fds[0], fds[1])
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            listener.close()
            conn.close()
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            time.tzset()
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out, 1)
            os.dup2(err, 2)
            sys.argv = ["modbot", *request["argv"]]
            try:
                code = main(request["argv"]) or 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None
                                                                       else 1)
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    for fd in set(fds):
        os.close(fd)
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    children[pid] = conn
    _reap(children)


def _reap(children: dict[int, socket.socket]) -> None:
    """Tell each finished child's starter its exit code (negative for a signal)."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps(
                    {"returncode": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
            conn.close()
