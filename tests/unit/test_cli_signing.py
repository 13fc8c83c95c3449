"""What `oms up` does for tokens (a secret kept once, a line on how to get a token), and
the bench's requests carrying the commands' token."""

from __future__ import annotations

import asyncio
import stat
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from apps.cli import signing
from apps.cli.bench.load import bearer
from apps.platform.settings import Settings
from apps.platform.tokens import secret_file

GIVEN = "a-secret-given-in-the-environment-0123456789"


def test_oms_up_makes_a_secret_only_it_can_read_and_reuses_it_after(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    first = signing.keep(settings)
    kept = secret_file(settings.data_dir).read_text()
    again = signing.keep(settings)

    assert first == f"made a secret for tokens in {secret_file(settings.data_dir)} (mode 0600)"
    assert again == f"tokens signed with the secret kept in {secret_file(settings.data_dir)}"
    assert secret_file(settings.data_dir).read_text() == kept
    assert stat.S_IMODE(secret_file(settings.data_dir).stat().st_mode) == 0o600
    assert kept.strip() not in first + again


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (Settings(auth_secret=GIVEN), "tokens signed with OMS_AUTH_SECRET"),
        (Settings(auth_jwks="/etc/jwks.json"), "the identity provider's keys at /etc/jwks.json"),
        (Settings(auth="off"), "auth off (OMS_AUTH=off)"),
    ],
)
def test_oms_up_keeps_no_secret_when_the_settings_name_the_keys_or_ask_none(
    tmp_path: Path, settings: Settings, said: str
) -> None:
    settings = replace(settings, data_dir=tmp_path)

    assert said in signing.keep(settings)
    assert not secret_file(tmp_path).exists()


def test_a_kept_secret_others_can_read_is_not_used(tmp_path: Path) -> None:
    signing.keep(Settings(data_dir=tmp_path))
    secret_file(tmp_path).chmod(0o640)

    with pytest.raises(ValueError, match="can be read by others"):
        signing.keep(Settings(data_dir=tmp_path))


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (Settings(), "TOKEN=$(.venv/bin/oms token operator)"),
        (Settings(auth_jwks="/etc/jwks.json"), "from your identity provider"),
        (Settings(auth="off"), "none needed: OMS_AUTH=off"),
    ],
)
def test_oms_up_says_how_to_get_a_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Settings, line: str
) -> None:
    script = tmp_path / ".venv" / "bin" / "oms"
    script.parent.mkdir(parents=True)
    script.touch()
    monkeypatch.setattr(signing.sys, "executable", str(script.with_name("python")))
    monkeypatch.chdir(tmp_path)

    assert signing.how_to_get_a_token(settings) == line


def test_the_oms_command_is_named_in_full_from_outside_its_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = tmp_path / "venv" / "bin" / "oms"
    script.parent.mkdir(parents=True)
    script.touch()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.setattr(signing.sys, "executable", str(script.with_name("python")))
    monkeypatch.chdir(tmp_path / "elsewhere")

    assert signing.oms_command() == str(script)


def test_every_request_of_the_bench_carries_the_commands_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OMS_TOKEN", "the-token")
    request = SimpleNamespace(headers={"Content-Type": "application/json"})
    sent: list[dict[str, str]] = []

    async def handler(request: Any) -> str:
        sent.append(dict(request.headers))
        return "response"

    answer = asyncio.run(bearer(request, handler))  # type: ignore[arg-type]

    assert answer == "response"
    assert sent == [{"Content-Type": "application/json", "Authorization": "Bearer the-token"}]
