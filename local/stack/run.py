"""Run the offline stack as a child process group (tests, benches, tools) and stop it leaving nothing behind.

    with running_stack() as stack:           # free ports, its own state file
        stack.info["api_url"], stack.info["demo_users"]

`StackProcess.stop()` sends SIGTERM to the stack's process group, waits for the stack to stop its parts, then
checks that no process of the group is left (SIGKILL as a last resort, reported as `leftover`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .template import REPO_ROOT


def group_alive(pgid: int) -> bool:
    """True while any process of the group exists (zombies of reaped children do not count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # killpg(0) succeeds on zombies too; look at the states.
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def group_members(pgid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


@dataclass
class StackProcess:
    proc: subprocess.Popen[bytes]
    state_file: Path
    log_file: Path
    info: dict[str, Any] = field(default_factory=dict)
    leftover: list[int] = field(default_factory=list)
    startup_s: float = 0.0

    @property
    def pgid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"offline stack exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self.state_file.exists():
                self.info = json.loads(self.state_file.read_text(encoding="utf-8"))
                self.startup_s = time.monotonic() - started
                return self.info
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"offline stack not ready after {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> list[int]:
        """Stop the group; returns the pids that had to be SIGKILLed (empty when it stopped cleanly)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 5
        while group_alive(self.pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.leftover = group_members(self.pgid)
        if self.leftover:
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        return self.leftover


def start_stack(
    *,
    ports: dict[str, int] | None = None,
    workdir: Path | None = None,
    seed: bool = True,
    env: dict[str, str] | None = None,
) -> StackProcess:
    """Start `python -m local.stack.dev` in a new process group (ports default to free ones)."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="billing-stack-"))
    state_file = workdir / "stack.json"
    log_file = workdir / "stack.log"
    ports = {"moto": 0, "stripe": 0, "api": 0, "web": 0, "host": 0} | (ports or {})
    cmd = [
        sys.executable,
        "-m",
        "local.stack.dev",
        "--state-file",
        str(state_file),
        "--log-dir",
        str(workdir),
    ]
    for name, port in ports.items():
        cmd += [f"--{name}-port", str(port)]
    if not seed:
        cmd.append("--no-seed")
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STRIPE_", "PYTEST"))}
    child_env |= env or {}
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=child_env,
            start_new_session=True,
        )
    return StackProcess(proc, state_file, log_file)


@contextmanager
def running_stack(timeout: float = 240, **kwargs: Any) -> Iterator[StackProcess]:
    stack = start_stack(**kwargs)
    try:
        stack.wait_ready(timeout)
        yield stack
    finally:
        stack.stop()
