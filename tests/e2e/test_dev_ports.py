"""`make dev` with a port already taken: one line naming the port and its variable, non-zero exit, nothing left."""

from __future__ import annotations

import socket
import subprocess

import pytest

from local.stack.run import group_members, start_stack
from local.stack.stack import PORT_ENV

pytestmark = [pytest.mark.e2e]


@pytest.mark.parametrize("name", sorted(PORT_ENV))
def test_dev_with_a_taken_port_says_which_port_and_variable_and_exits_cleanly(name: str, tmp_path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = start_stack(ports={name: port}, workdir=tmp_path, seed=False)
        try:
            code = proc.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.stop()
            pytest.fail(f"the stack started although port {port} was taken:\n{proc.log_tail()}")
    output = proc.log_file.read_text(errors="replace")
    lines = [line for line in output.splitlines() if line.strip()]
    assert code != 0
    assert "Traceback" not in output
    assert len(lines) == 1, output
    assert str(port) in lines[0] and PORT_ENV[name] in lines[0]
    assert group_members(proc.pgid) == []
    assert not proc.state_file.exists()
