"""`make run` on a bare machine: SQLite and a file broker in PMHUB_VAR_DIR, web + worker + beat.

The README's first command, run as a person would: no DATABASE_URL, no REDIS_URL. The demo
account works through real HTTP, and Ctrl-C (SIGINT to the process group) stops every process.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# Timeouts for a stuck start or stop, not performance assertions. The start may include
# `make install static` when pyproject.toml or package-lock.json changed.
START_SECONDS = 300
STOP_SECONDS = 30
# Variables that would point `make run` away from its embedded defaults.
NOT_INHERITED = {
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_CACHE_URL",
    "DJANGO_SETTINGS_MODULE",  # pytest-django sets the test settings; make run uses local
    "SECRET_KEY",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes() -> dict[int, tuple[int, int, str, str]]:
    """pid → (ppid, pgid, state, command line) of every live process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # it ended while we looked
        # The command name in parentheses may hold spaces; the fields after it don't.
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), int(fields[2]), fields[0], cmdline)
    return found


def _descendants(root: int) -> dict[int, str]:
    """The running (non-zombie) descendants of ``root``: pid → command line."""
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _pgid, _state, _cmd) in procs.items():
        children.setdefault(ppid, []).append(pid)
    result, todo = {}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if procs[child][2] != "Z":
                result[child] = procs[child][3]
            todo.append(child)
    return result


def _alive(pids: set[int], pgid: int) -> set[int]:
    """Which of ``pids``, or members of process group ``pgid``, still run (zombies don't)."""
    return {
        pid
        for pid, (_ppid, group, state, _cmd) in _processes().items()
        if state != "Z" and (pid in pids or group == pgid)
    }


class MakeRun:
    def __init__(self, process: subprocess.Popen, log: Path, port: int, var_dir: Path) -> None:
        self.process = process
        self.log = log
        self.port = port
        self.var_dir = var_dir
        self.url = f"http://127.0.0.1:{port}"
        self.seen: set[int] = set()  # every process of the tree we saw, for the stop check

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, what: str, condition, seconds: float = START_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.seen |= set(_descendants(self.process.pid))
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(f"make run exited ({self.process.returncode}):\n{self.output()}")
            time.sleep(0.5)
        pytest.fail(f"Timed out waiting for {what}. make run printed:\n{self.output()}")

    def answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/accounts/login/", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False


@pytest.fixture
def make_run(tmp_path) -> Iterator[MakeRun]:
    var_dir = tmp_path / "var"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(PMHUB_VAR_DIR=str(var_dir), PMHUB_PORT=str(port), DEBUG="1")
    log = tmp_path / "make-run.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal would give it
        )
    running = MakeRun(process, log, port, var_dir)
    try:
        yield running
    finally:
        # Last resort: nothing of ours may outlive the test. Honcho starts each of its
        # processes in a session of its own, so their groups are killed one by one.
        for pid in _alive(running.seen | {process.pid}, process.pid):
            for kill in (os.killpg, os.kill):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    kill(pid, signal.SIGKILL)  # may be gone already, or not a group leader
        process.wait(timeout=10)
        print(f"--- make run printed ---\n{running.output()}")


def _log_in(url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    login_page = session.get(f"{url}/accounts/login/", timeout=10)
    assert login_page.status_code == 200
    response = session.post(
        f"{url}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text[:2000]
    assert response.url == f"{url}/products/", "the login did not land on the product list"
    return session


def test_make_run_serves_the_demo_and_stops_on_ctrl_c(make_run):
    make_run.wait_for("the login page to answer", make_run.answers)
    output = make_run.output
    make_run.wait_for(
        "the worker to be ready", lambda: re.search(r"worker\.1\s+\|.* ready\.", output())
    )
    make_run.wait_for("beat to start", lambda: re.search(r"beat\.1\s+\|.*beat: Starting", output()))

    session = _log_in(make_run.url, "demo", "demo")
    products = session.get(f"{make_run.url}/products/", timeout=10)
    assert products.status_code == 200
    assert "Acme Analytics" in products.text
    switcher = re.search(r'data-testid="workspace-switcher">(.*?)</button>', products.text, re.S)
    assert switcher is not None
    assert "Acme" in switcher.group(1)

    # The file broker carries work from the web process to the worker: an invitation made in
    # the browser comes out of the worker as an email (console backend) linking to this port.
    invite = session.post(
        f"{make_run.url}/workspace/members/invite/",
        data={
            "email": "new.pm@example.com",
            "role": "editor",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=30,
    )
    assert invite.status_code == 200
    assert "Invitation sent to new.pm@example.com" in invite.text
    link = f"{make_run.url}/invitations/"
    make_run.wait_for(
        "the worker to email the invitation",
        lambda: re.search(rf"worker\.1\s+\|\s+{re.escape(link)}\S+/", output()),
    )

    # Embedded mode: the SQLite database, the file broker and beat's schedule live in
    # PMHUB_VAR_DIR, never in the checkout.
    assert (make_run.var_dir / "pmhub.sqlite3").is_file()
    assert (make_run.var_dir / "broker" / "processed").is_dir()
    make_run.wait_for(
        "beat's schedule file", lambda: any(make_run.var_dir.glob("celerybeat-schedule*"))
    )

    tree = _descendants(make_run.process.pid)
    commands = " || ".join(tree.values())
    assert "runserver 127.0.0.1:" + str(make_run.port) in commands
    assert "celery -A pmhub worker" in commands
    assert "celery -A pmhub beat" in commands
    seen = make_run.seen | set(tree)

    os.killpg(make_run.process.pid, signal.SIGINT)  # Ctrl-C in the terminal
    deadline = time.monotonic() + STOP_SECONDS
    while _alive(seen, make_run.process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    still_running = _alive(seen, make_run.process.pid)
    assert not still_running, f"still running after SIGINT: {still_running}\n{output()}"
    make_run.process.wait(timeout=10)
