"""`oms token`: a token on stdout alone, for the role and subject asked, as long as asked;
a clear refusal on stderr when oms cannot sign one."""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from apps.cli.main import main
from apps.cli.token import duration
from apps.platform.settings import Settings
from apps.platform.tokens import Principal, keep_secret, secret_file, verifier

SECRET = "a-secret-for-the-token-command-tests-only"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No OMS_ setting but a data directory of the test's own and the secret."""
    for name in [name for name in os.environ if name.startswith("OMS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OMS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OMS_AUTH_SECRET", SECRET)


def printed_token(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["token", *argv]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.endswith("\n") and out.count("\n") == 1, out
    return out.strip()


def claims(token: str, secret: str = SECRET) -> dict[str, Any]:
    return dict(jwt.decode(token, secret, algorithms=["HS256"]))


def refusal(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["token", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    return err


def test_an_operator_token_is_printed_alone_and_stands_for_the_operator_for_an_hour(
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = claims(printed_token(capsys, "operator"))

    assert (token["sub"], token["roles"]) == ("operator", ["operator"])
    assert token["exp"] - token["iat"] == 3600


def test_a_processor_token_stands_for_the_subject_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = claims(printed_token(capsys, "processor", "acme-payments"))

    assert (token["sub"], token["roles"]) == ("acme-payments", ["processor"])


def test_a_customer_token_stands_for_its_customer_id(capsys: pytest.CaptureFixture[str]) -> None:
    token = claims(printed_token(capsys, "customer", "c-42"))

    assert (token["sub"], token["roles"]) == ("c-42", ["customer"])


@pytest.mark.parametrize(("ttl", "seconds"), [("90s", 90), ("30m", 1800), ("2d", 172800)])
def test_a_token_lives_as_long_as_ttl_says(
    capsys: pytest.CaptureFixture[str], ttl: str, seconds: int
) -> None:
    token = claims(printed_token(capsys, "operator", "--ttl", ttl))

    assert token["exp"] - token["iat"] == seconds


def test_the_services_accept_the_token__with_their_issuer_audience_and_roles_claim(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_AUTH_ISSUER", "https://oms.example")
    monkeypatch.setenv("OMS_AUTH_AUDIENCE", "oms")
    monkeypatch.setenv("OMS_AUTH_ROLES_CLAIM", "realm_access.roles")
    token = printed_token(capsys, "operator", "ops-1")

    check = verifier(Settings.from_env())
    assert check is not None
    assert asyncio.run(check.principal(token)) == Principal("ops-1", frozenset({"operator"}))


def test_without_OMS_AUTH_SECRET_the_token_is_signed_with_the_secret_oms_up_keeps(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OMS_AUTH_SECRET")
    kept, _ = keep_secret(tmp_path)

    token = claims(printed_token(capsys, "operator"), kept)

    assert token["sub"] == "operator"


def test_a_customer_token_without_a_subject_is_refused_saying_it_needs_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "a customer token needs a SUBJECT" in refusal(capsys, "customer")


def test_with_no_secret_anywhere_it_says_to_start_oms_up_or_set_the_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMS_AUTH_SECRET")

    err = refusal(capsys, "operator")

    assert "start the system with `oms up`" in err and "OMS_AUTH_SECRET" in err


def test_a_kept_secret_others_can_read_is_refused_with_how_to_fix_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OMS_AUTH_SECRET")
    keep_secret(tmp_path)
    secret_file(tmp_path).chmod(0o644)

    assert f"chmod 600 {secret_file(tmp_path)}" in refusal(capsys, "operator")


def test_with_an_identity_provider_it_says_tokens_come_from_the_provider(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OMS_AUTH_SECRET")
    monkeypatch.setenv("OMS_AUTH_JWKS", str(tmp_path / "jwks.json"))

    assert "tokens come from your identity provider" in refusal(capsys, "operator")


def test_with_auth_off_it_says_no_token_is_needed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_AUTH", "off")

    assert "none is needed" in refusal(capsys, "operator")


def test_a_subject_longer_than_the_services_take_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "1 to 255 characters" in refusal(capsys, "customer", "c" * 256)


@pytest.mark.parametrize(
    ("text", "ttl"),
    [
        ("1s", timedelta(seconds=1)),
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("2d", timedelta(days=2)),
        ("30d", timedelta(days=30)),
    ],
)
def test_a_ttl_is_a_whole_number_and_a_unit(text: str, ttl: timedelta) -> None:
    assert duration(text) == ttl


@pytest.mark.parametrize(
    "text", ["", "1", "h", "1.5h", "-1h", "1w", "1 h", "0s", "31d", "721h", "9999999999d"]
)
def test_a_ttl_not_positive_not_within_30_days_or_not_a_duration_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        duration(text)


def test_a_bad_ttl_or_role_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["operator", "--ttl", "1y"], ["admin"]):
        with pytest.raises(SystemExit) as exited:
            main(["token", *argv])
        assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "argument --ttl: '1y' is not a duration" in err
    assert "invalid choice: 'admin'" in err
