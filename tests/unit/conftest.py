"""Unit tests are pure: a test here that opens a connection or starts a process fails."""

from __future__ import annotations

import socket
import subprocess
from typing import Any

import pytest


def refuse(what: str) -> Any:
    def refused(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a unit test may not {what}: move it to tests/integration")

    return refused


@pytest.fixture(autouse=True)
def no_sockets_or_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    for method in ("bind", "connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, method, refuse("open a socket"))
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse("start a process"))
