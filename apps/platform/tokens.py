"""Bearer tokens: JWTs checked as RFC 8725 asks, and minted for the project's own tools.

PyJWT does the parsing and the cryptography. The accepted algorithms come from the
settings, never from a token's header, so `alg: none` and an HS256 token signed with an
RS public key both fail. `exp` and `sub` are required, `nbf` is honoured within the
leeway, `iss` and `aud` are checked when configured, and the roles come from one claim:
a token with no role this system knows is refused. Why a token was refused is the
exception's message; the token itself is never in it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import jwt

from apps.platform.settings import MIN_SECRET_BYTES, PREFIX, Settings
from models.actors import ROLES, Role

#: A token longer than this is refused unread; one of a few claims is a few hundred bytes.
MAX_TOKEN_BYTES = 8192
#: Where `oms up` keeps the secret it made, in the data directory (mode 0600).
SECRET_FILE = "auth-secret"
#: How long the identity provider's keys are kept before they are read again.
JWKS_LIFESPAN_S = 300.0
JWKS_TIMEOUT_S = 5.0

Key = Any  # bytes for HMAC; a public key object of `cryptography` for RSA and EC


class TokenRefused(Exception):
    """A token not accepted; the message says why (it is logged), never what the token is."""


class KeysUnavailable(Exception):
    """The identity provider's keys cannot be read just now: no token can be checked."""


@dataclass(frozen=True)
class Principal:
    """Who a valid token stands for: its `sub`, and the roles it carries that we know."""

    subject: str
    roles: frozenset[Role]


class TokenVerifier:
    """Checks a bearer token against one key source, with the claims the settings ask."""

    def __init__(
        self,
        key_for: Callable[[str], Awaitable[Key]],
        *,
        algorithms: tuple[str, ...],
        issuer: str = "",
        audience: str = "",
        roles_claim: str = "roles",
        leeway: float = 30.0,
    ) -> None:
        self._key_for = key_for
        self.algorithms = list(algorithms)
        self.issuer = issuer or None
        self.audience = audience or None
        self.roles_claim = roles_claim
        self.leeway = leeway
        required = ["exp", "sub"]
        self._options: jwt.types.Options = {
            "require": required + ["iss"] * bool(issuer) + ["aud"] * bool(audience)
        }

    async def principal(self, token: str) -> Principal:
        """Who `token` stands for; TokenRefused saying why it is not accepted."""
        if len(token) > MAX_TOKEN_BYTES:
            raise TokenRefused(f"longer than {MAX_TOKEN_BYTES} bytes")
        try:
            key = await self._key_for(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options=self._options,
            )
        except jwt.PyJWTError as exc:  # InvalidTokenError, or no key for its `kid`
            raise TokenRefused(refusal(exc)) from None
        return Principal(subject(claims), self._roles(claims))

    def _roles(self, claims: dict[str, Any]) -> frozenset[Role]:
        value: Any = claims
        for name in self.roles_claim.split("."):
            value = value.get(name) if isinstance(value, dict) else None
        if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
            raise TokenRefused(f"no list of roles in its {self.roles_claim!r} claim")
        known = frozenset(role for role in ROLES if role in value)
        if not known:
            raise TokenRefused(f"none of the roles {', '.join(ROLES)} in {self.roles_claim!r}")
        return known


#: Why PyJWT refused a token, by what it raised: the first kind that fits (the more
#: particular before the more general: a bad signature is a DecodeError too).
REFUSALS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not valid yet (nbf)"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAlgorithmError, "an algorithm not accepted"),
    (jwt.DecodeError, "not a well-formed JWT"),
)


def refusal(exc: jwt.PyJWTError) -> str:
    """Why PyJWT refused a token, in a few words for the log."""
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"no {exc.claim!r} claim"
    if isinstance(exc, jwt.PyJWKClientError):
        return f"no key to check it: {exc}"
    return next(
        (why for kind, why in REFUSALS if isinstance(exc, kind)), f"invalid ({type(exc).__name__})"
    )


def subject(claims: dict[str, Any]) -> str:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise TokenRefused("its 'sub' is not a string of 1 to 255 characters")
    return sub


# Key sources ---------------------------------------------------------------------------


def secret_key(secret: str) -> Callable[[str], Awaitable[Key]]:
    """The shared secret, for HMAC."""
    key = secret.encode()

    async def key_for(token: str) -> Key:
        return key

    return key_for


def jwks_keys(location: str) -> Callable[[str], Awaitable[Key]]:
    """The public key a token's `kid` names in a JWKS at a URL or in a file, read again
    every few minutes, and at once for a `kid` not seen yet (from a URL, at most every
    30 s: PyJWT's cooldown)."""
    if location.startswith(("https://", "http://")):
        client = jwt.PyJWKClient(
            location, cache_keys=False, lifespan=JWKS_LIFESPAN_S, timeout=JWKS_TIMEOUT_S
        )
        read: Callable[[str], jwt.PyJWK] = client.get_signing_key_from_jwt
    else:
        read = partial(_key_in_file, Path(location))
    known: dict[str | None, tuple[float, Key]] = {}

    async def key_for(token: str) -> Key:
        kid = jwt.get_unverified_header(token).get("kid")
        cached = known.get(kid)
        if cached is not None and time.monotonic() - cached[0] < JWKS_LIFESPAN_S:
            return cached[1]
        try:
            # PyJWKClient reads with urllib, which blocks: not on the event loop.
            jwk = await asyncio.to_thread(read, token)
        except (jwt.PyJWKClientConnectionError, OSError, ValueError) as exc:
            # Unreachable, unreadable, or not a JWKS (a page that is not JSON, say).
            raise KeysUnavailable(f"the keys at {location} cannot be read: {exc}") from None
        known[kid] = (time.monotonic(), jwk.key)
        return jwk.key

    return key_for


def _key_in_file(path: Path, token: str) -> jwt.PyJWK:
    """The key of the JWKS file at `path` that `token`'s `kid` names."""
    kid = jwt.get_unverified_header(token).get("kid")
    keys = jwt.PyJWKSet.from_json(path.read_text()).keys
    found = next((key for key in keys if key.key_id == kid), None)
    if found is None:
        raise jwt.PyJWKClientError(f"no key {kid!r} in {path}")
    return found


def verifier(settings: Settings) -> TokenVerifier | None:
    """The verifier the settings ask for; None with OMS_AUTH=off; ValueError if auth is on
    and there is no key to check a token with."""
    if settings.auth == "off":
        return None
    if settings.auth_jwks:
        key_for = jwks_keys(settings.auth_jwks)
    else:
        secret = signing_secret(settings)
        if secret is None:
            raise ValueError(
                f"no key to check tokens with: set {PREFIX}AUTH_SECRET (32 bytes or more) or "
                f"{PREFIX}AUTH_JWKS, or start the system with `oms up`, which keeps a secret "
                f"in {secret_file(settings.data_dir)} (or {PREFIX}AUTH=off on loopback, to try)"
            )
        key_for = secret_key(secret)
    return TokenVerifier(
        key_for,
        algorithms=settings.algorithms,
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        roles_claim=settings.auth_roles_claim,
        leeway=settings.auth_leeway,
    )


# The secret and minting ------------------------------------------------------------------


def secret_file(data_dir: Path) -> Path:
    return data_dir / SECRET_FILE


def signing_secret(settings: Settings) -> str | None:
    """OMS_AUTH_SECRET, or the secret `oms up` keeps in the data directory, if any."""
    if settings.auth_secret:
        return settings.auth_secret
    path = secret_file(settings.data_dir)
    return read_secret(path) if path.exists() else None


def read_secret(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        raise ValueError(f"{path} can be read by others: chmod 600 {path}")
    secret = path.read_text().strip()
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"{path} holds fewer than {MIN_SECRET_BYTES} bytes")
    return secret


def keep_secret(data_dir: Path) -> tuple[str, bool]:
    """The secret kept in `data_dir`, made now (random, mode 0600) if there is none; and
    whether it was made now."""
    path = secret_file(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret(path), False
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48) + "\n")
    return read_secret(path), True


def mint(
    settings: Settings,
    secret: str,
    role: Role,
    sub: str,
    ttl: timedelta,
    *,
    now: float | None = None,
) -> str:
    """A token for `sub` in `role`, valid for `ttl`, signed with `secret` as the settings
    ask (the first algorithm, their issuer and audience, their roles claim)."""
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {"sub": sub, "iat": issued, "exp": issued + int(ttl.total_seconds())}
    if settings.auth_issuer:
        claims["iss"] = settings.auth_issuer
    if settings.auth_audience:
        claims["aud"] = settings.auth_audience
    *outer, last = settings.auth_roles_claim.split(".")
    holder = claims
    for name in outer:
        holder = holder.setdefault(name, {})
    holder[last] = [role]
    return jwt.encode(claims, secret, algorithm=settings.algorithms[0])
