"""The release before this one, run from a git worktree in a virtualenv of its own.

Its version and commit are in tests/e2e/previous-release (each release moves them
forward: CHANGELOG.md). The worktree and its virtualenv are made once, under .data/.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from apps.platform.settings import VERSION, Settings
from tests.processes import Worker

ROOT = Path(__file__).resolve().parents[2]
RECORD = Path(__file__).with_name("previous-release")


@dataclass(frozen=True)
class Release:
    """A release's code and the interpreter of its own virtualenv."""

    version: str
    commit: str
    #: The release's checkout (a worker runs there: `-m` imports from where it runs).
    source: Path
    python: Path


def previous_release() -> Release:
    """The release named in tests/e2e/previous-release, checked out and installed."""
    version, commit = RECORD.read_text().split()
    home = ROOT / ".data" / "releases" / commit
    source, venv = home / "src", home / "venv"
    python = venv / "bin" / "python"
    if not (home / ".installed").exists():
        if not source.exists():
            # A clone without the commit (a shallow one) fails here, saying so.
            run(
                "git",
                "-C",
                str(ROOT),
                "worktree",
                "add",
                "--force",
                "--detach",
                str(source),
                commit,
            )
        run(sys.executable, "-m", "venv", "--clear", str(venv))
        pip = (str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
        run(*pip, "-c", str(source / "constraints.txt"), "-e", str(source))
        (home / ".installed").touch()
    return Release(version, commit, source, python)


def run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"


@dataclass
class ReleaseWorker(Worker):
    """A worker of `release` (None: this checkout's code)."""

    release: Release | None = field(default=None)

    @property
    def code(self) -> Path | None:
        return None if self.release is None else self.release.source

    def runs(self) -> str | None:
        """The release the worker says it runs (0.1.0 did not say)."""
        return self.get("/health").body.get("version")  # type: ignore[no-any-return]

    def runs_its_release(self) -> bool:
        """Whether the worker says it runs the release it was started at (0.1.0 says none)."""
        if self.release is None:
            return self.runs() == VERSION
        return self.runs() == (None if self.release.version == "0.1.0" else self.release.version)

    def command(self, settings: Settings) -> list[str]:
        command = super().command(settings)
        if self.release is not None:
            command[0] = str(self.release.python)
        return command
