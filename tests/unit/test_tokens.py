"""Bearer tokens: what a token must be to be accepted, and why one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from apps.platform.settings import Settings
from apps.platform.tokens import (
    MAX_TOKEN_BYTES,
    KeysUnavailable,
    Principal,
    TokenRefused,
    TokenVerifier,
    jwks_keys,
    keep_secret,
    mint,
    read_secret,
    secret_file,
    secret_key,
    verifier,
)

SECRET = "a-secret-for-the-token-tests-of-at-least-32-bytes"
ISSUER, AUDIENCE = "https://idp.example/realms/oms", "oms"
#: One RSA key pair for the module: an identity provider's signing key.
PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC = PRIVATE.public_key()
PUBLIC_PEM = PUBLIC.public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def claims(**changes: Any) -> dict[str, Any]:
    """A valid token's claims for the customer c-1, with `changes` (None drops a claim)."""
    now = int(time.time())
    made = {"sub": "c-1", "roles": ["customer"], "iat": now, "exp": now + 300, **changes}
    return {name: value for name, value in made.items() if value is not None}


def signed(payload: dict[str, Any], key: Any = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


def hs256(**options: Any) -> TokenVerifier:
    """A verifier of HS256 tokens signed with SECRET, with a leeway of 30 s by default."""
    return TokenVerifier(secret_key(SECRET), algorithms=("HS256",), **options)


def public_key(key: Any) -> Callable[[str], Awaitable[Any]]:
    async def key_for(token: str) -> Any:
        return key

    return key_for


async def refusal(token: str, checker: TokenVerifier | None = None) -> str:
    """Why `token` is refused; the reason never holds the token, nor any part of it."""
    with pytest.raises(TokenRefused) as refused:
        await (checker or hs256()).principal(token)
    reason = str(refused.value)
    assert token == "" or token not in reason
    assert not any(len(part) > 8 and part in reason for part in token.split("."))
    return reason


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def by_hand(header: dict[str, Any], payload: dict[str, Any], key: bytes) -> str:
    """A token signed with HMAC-SHA256 under `key`, whatever `key` is (PyJWT refuses a PEM)."""
    signing_input = ".".join(b64url(json.dumps(part).encode()) for part in (header, payload))
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


# -- what a token must be -----------------------------------------------------------------


async def test_a_valid_token_gives_its_subject_and_the_roles_it_carries_that_are_known() -> None:
    token = signed(claims(roles=["customer", "operator", "admin"]))

    assert await hs256().principal(token) == Principal("c-1", frozenset({"customer", "operator"}))


async def test_an_expired_token_is_refused() -> None:
    assert await refusal(signed(claims(exp=int(time.time()) - 60))) == "expired"


async def test_a_token_expired_within_the_leeway_is_accepted() -> None:
    token = signed(claims(exp=int(time.time()) - 10))

    assert (await hs256(leeway=30).principal(token)).subject == "c-1"


async def test_a_token_not_valid_yet_is_refused__within_the_leeway_it_is_accepted() -> None:
    later, soon = (signed(claims(nbf=int(time.time()) + delay)) for delay in (120, 10))

    assert await refusal(later) == "not valid yet (nbf)"
    assert (await hs256(leeway=30).principal(soon)).subject == "c-1"


async def test_a_token_signed_with_another_key_is_refused() -> None:
    token = signed(claims(), key="another-secret-of-at-least-thirty-two-bytes")

    assert await refusal(token) == "bad signature"


async def test_an_unsigned_token_alg_none_is_refused() -> None:
    token = jwt.encode(claims(), "", algorithm="none")

    assert await refusal(token) == "an algorithm not accepted"


async def test_an_unsigned_token_by_hand_alg_none_is_refused() -> None:
    header, payload = ({"alg": "none", "typ": "JWT"}, claims())
    token = ".".join(b64url(json.dumps(part).encode()) for part in (header, payload)) + "."

    assert await refusal(token) == "an algorithm not accepted"


async def test_an_hs256_token_keyed_with_the_rsa_public_key_is_refused_when_rs256_is_asked() -> (
    None
):
    # The algorithm confusion attack: the public key, known to all, used as an HMAC secret.
    forged = by_hand({"alg": "HS256", "typ": "JWT"}, claims(roles=["operator"]), PUBLIC_PEM)
    genuine = signed(claims(), key=PRIVATE, algorithm="RS256")

    for key in (PUBLIC, PUBLIC_PEM):
        rs256 = TokenVerifier(public_key(key), algorithms=("RS256",))
        assert await refusal(forged, rs256) == "an algorithm not accepted"
        assert (await rs256.principal(genuine)).subject == "c-1"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://evil.example"}, "wrong issuer"),
        ({"aud": "someone-else"}, "wrong audience"),
        ({"iss": None}, "no 'iss' claim"),
        ({"aud": None}, "no 'aud' claim"),
    ],
)
async def test_a_token_for_another_issuer_or_audience_is_refused_when_they_are_asked(
    changes: dict[str, Any], reason: str
) -> None:
    checker = hs256(issuer=ISSUER, audience=AUDIENCE)
    token = signed(claims(**{"iss": ISSUER, "aud": AUDIENCE, **changes}))

    assert await refusal(token, checker) == reason


async def test_a_token_of_the_asked_issuer_and_audience_is_accepted() -> None:
    token = signed(claims(iss=ISSUER, aud=[AUDIENCE, "account"]))

    principal = await hs256(issuer=ISSUER, audience=AUDIENCE).principal(token)

    assert principal.subject == "c-1"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [({"sub": None}, "no 'sub' claim"), ({"exp": None}, "no 'exp' claim")],
)
async def test_a_token_without_sub_or_exp_is_refused(changes: dict[str, Any], reason: str) -> None:
    assert await refusal(signed(claims(**changes))) == reason


@pytest.mark.parametrize("sub", [42, ["c-1"], "", "c" * 256])
async def test_a_token_whose_sub_is_no_string_of_1_to_255_characters_is_refused(sub: Any) -> None:
    await refusal(signed(claims(sub=sub)))


@pytest.mark.parametrize(
    ("roles", "reason"),
    [
        (["admin", "root"], "none of the roles customer, operator, processor in 'roles'"),
        ([], "none of the roles"),
        ("operator", "no list of roles in its 'roles' claim"),
        ({"operator": True}, "no list of roles"),
        (["operator", 1], "no list of roles"),
        (None, "no list of roles"),
    ],
)
async def test_a_token_without_a_list_holding_a_known_role_is_refused(
    roles: Any, reason: str
) -> None:
    assert (await refusal(signed(claims(roles=roles)))).startswith(reason)


async def test_roles_are_read_from_a_dotted_claim_inside_an_object() -> None:
    keycloak = hs256(roles_claim="realm_access.roles")
    nested = signed(claims(roles=None, realm_access={"roles": ["operator", "offline_access"]}))
    flat = signed(claims(roles=["operator"]))

    assert (await keycloak.principal(nested)).roles == {"operator"}
    assert await refusal(flat, keycloak) == "no list of roles in its 'realm_access.roles' claim"


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "", "eyJhbGciOiJIUzI1NiJ9.!!!.sig"])
async def test_a_malformed_token_is_refused(token: str) -> None:
    assert await refusal(token) == "not a well-formed JWT"


async def test_an_oversized_token_is_refused_unread() -> None:
    async def no_key(token: str) -> Any:
        raise AssertionError("an oversized token is not read")

    token = signed(claims(padding="x" * MAX_TOKEN_BYTES))
    checker = TokenVerifier(no_key, algorithms=("HS256",))

    assert await refusal(token, checker) == f"longer than {MAX_TOKEN_BYTES} bytes"


# -- minting, and the secret `oms up` keeps ----------------------------------------------


def settings_with(tmp_path: Path, **fields: Any) -> Settings:
    return Settings(data_dir=tmp_path, **{"auth_secret": SECRET, **fields})


async def test_a_minted_token_is_accepted_by_the_verifier_of_the_same_settings(
    tmp_path: Path,
) -> None:
    settings = settings_with(tmp_path, auth_issuer=ISSUER, auth_audience=AUDIENCE)
    token = mint(settings, SECRET, "processor", "psp-1", timedelta(minutes=5))

    checker = verifier(settings)

    assert checker is not None
    assert await checker.principal(token) == Principal("psp-1", frozenset({"processor"}))
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == ISSUER


async def test_a_minted_token_carries_its_roles_in_the_configured_dotted_claim(
    tmp_path: Path,
) -> None:
    settings = settings_with(tmp_path, auth_roles_claim="realm_access.roles")
    token = mint(settings, SECRET, "operator", "ops", timedelta(minutes=5))

    checker = verifier(settings)

    assert checker is not None and (await checker.principal(token)).roles == {"operator"}
    assert jwt.decode(token, options={"verify_signature": False})["realm_access"] == {
        "roles": ["operator"]
    }


async def test_a_minted_token_expires_after_its_lifetime(tmp_path: Path) -> None:
    settings = settings_with(tmp_path)
    an_hour_ago = time.time() - 3600

    token = mint(settings, SECRET, "customer", "c-1", timedelta(minutes=5), now=an_hour_ago)

    assert await refusal(token) == "expired"


def test_the_secret_is_made_once_readable_by_its_owner_only_and_kept(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    secret, made = keep_secret(data_dir)
    again, made_again = keep_secret(data_dir)

    assert (made, made_again) == (True, False) and again == secret
    assert len(secret.encode()) >= 32
    assert secret_file(data_dir).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_secret_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "auth-secret"
    path.write_text(SECRET)
    path.chmod(mode)

    with pytest.raises(ValueError, match="can be read by others: chmod 600"):
        read_secret(path)


def test_a_secret_file_holding_a_short_secret_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "auth-secret"
    path.write_text("short\n")
    path.chmod(0o600)

    with pytest.raises(ValueError, match="fewer than 32 bytes"):
        read_secret(path)


def test_without_a_key_the_verifier_cannot_be_made_and_says_how_to_give_one(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match="no key to check tokens with: set OMS_AUTH_SECRET"):
        verifier(Settings(data_dir=tmp_path, auth_secret=""))


def test_with_auth_off_there_is_no_verifier(tmp_path: Path) -> None:
    assert verifier(Settings(data_dir=tmp_path, auth="off", auth_secret="")) is None


async def test_without_a_given_secret_the_one_kept_in_the_data_dir_checks_tokens(
    tmp_path: Path,
) -> None:
    kept, _ = keep_secret(tmp_path)
    settings = Settings(data_dir=tmp_path, auth_secret="")

    checker = verifier(settings)

    assert checker is not None
    token = mint(settings, kept, "operator", "ops", timedelta(minutes=5))
    assert (await checker.principal(token)).subject == "ops"


# -- an identity provider's keys (JWKS) -------------------------------------------------

JWKS_URL = "https://idp.example/realms/oms/protocol/openid-connect/certs"


def jwks_document() -> dict[str, Any]:
    """The identity provider's public keys as a JWKS, the key named `k1`."""
    key = {**json.loads(RSAAlgorithm.to_jwk(PUBLIC)), "kid": "k1", "use": "sig", "alg": "RS256"}
    return {"keys": [key]}


class Provider:
    """The identity provider's JWKS endpoint, faked where PyJWT reads it: no socket."""

    def __init__(self) -> None:
        self.document: dict[str, Any] | None = jwks_document()
        self.reads = 0

    def fetch_data(self) -> Any:
        """What `PyJWKClient.fetch_data` answers (a bound method: no client passed)."""
        self.reads += 1
        if self.document is None:
            raise jwt.PyJWKClientConnectionError("Fail to fetch data from the url")
        return self.document


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Provider:
    faked = Provider()
    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", faked.fetch_data)
    return faked


def rs256_token(kid: str, **changes: Any) -> str:
    return jwt.encode(claims(**changes), PRIVATE, algorithm="RS256", headers={"kid": kid})


def from_jwks(location: str = JWKS_URL) -> TokenVerifier:
    return TokenVerifier(jwks_keys(location), algorithms=("RS256",))


async def test_a_token_signed_with_a_key_of_the_jwks_is_accepted(provider: Provider) -> None:
    principal = await from_jwks().principal(rs256_token("k1", roles=["operator"]))

    assert principal == Principal("c-1", frozenset({"operator"}))


async def test_a_token_naming_a_key_the_jwks_does_not_have_is_refused(provider: Provider) -> None:
    reason = await refusal(rs256_token("k2"), from_jwks())

    assert reason.startswith("no key to check it")


async def test_an_hs256_token_keyed_with_a_public_key_of_the_jwks_is_refused(
    provider: Provider,
) -> None:
    forged = by_hand({"alg": "HS256", "kid": "k1"}, claims(roles=["operator"]), PUBLIC_PEM)

    assert await refusal(forged, from_jwks()) == "an algorithm not accepted"


async def test_the_keys_of_the_jwks_are_kept_once_read(provider: Provider) -> None:
    checker = from_jwks()
    await checker.principal(rs256_token("k1"))

    provider.document = None  # the provider is down: the key read is still known

    assert (await checker.principal(rs256_token("k1", sub="c-2"))).subject == "c-2"
    assert provider.reads == 1


async def test_keys_that_cannot_be_read_make_tokens_uncheckable__not_refused(
    provider: Provider,
) -> None:
    provider.document = None

    with pytest.raises(KeysUnavailable, match="cannot be read"):
        await from_jwks().principal(rs256_token("k1"))


async def test_a_jwks_in_the_settings_makes_a_verifier_of_its_keys(
    provider: Provider, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, auth_jwks=JWKS_URL, auth_algorithms="RS256")

    checker = verifier(settings)

    assert checker is not None and checker.algorithms == ["RS256"]
    assert (await checker.principal(rs256_token("k1"))).subject == "c-1"
    assert await refusal(signed(claims()), checker)  # an HS256 token, no key of the JWKS


async def test_a_jwks_file_is_read_as_a_jwks_url_is(tmp_path: Path) -> None:
    # OMS_AUTH_JWKS takes "a JWKS URL or file" (docs, settings): a file is read as it is,
    # in a thread; no socket.
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks_document()))

    principal = await from_jwks(str(path)).principal(rs256_token("k1"))

    assert principal.subject == "c-1"
