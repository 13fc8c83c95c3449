"""The bearer token the `oms` commands send: OMS_TOKEN, or one they mint as an operator.

With a secret (OMS_AUTH_SECRET, or the one `oms up` keeps in the data directory) a
command mints itself a short-lived operator token. With an identity provider (a JWKS)
tokens come from the provider, so OMS_TOKEN must hold one. With OMS_AUTH=off none is sent.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from apps.platform.settings import PREFIX, Settings
from apps.platform.tokens import mint, signing_secret
from models.actors import Role

#: How long a token the commands mint for themselves lives; minted again before it ends.
TOOL_TTL = timedelta(hours=1)
#: The subject the commands act as (it shows in the audit log and an order's history).
TOOL_SUBJECT = "oms"

#: The token minted last (None with OMS_AUTH=off), and until when it is used.
_minted: tuple[float, str | None] | None = None


class NoCredential(RuntimeError):
    """No token can be had: the message says what to set."""


def minted(settings: Settings, role: Role, subject: str, ttl: timedelta) -> str:
    """A token minted with the configured secret; NoCredential when there is none to use."""
    if settings.auth_jwks:
        raise NoCredential(
            f"{PREFIX}AUTH_JWKS is set: tokens come from your identity provider, not from "
            f"oms (the oms commands send the one in {PREFIX}TOKEN)"
        )
    secret = signing_secret(settings)
    if secret is None:
        raise NoCredential(
            f"no secret to sign a token with: start the system with `oms up` (it keeps one in "
            f"{settings.data_dir}), or set {PREFIX}AUTH_SECRET as the services have it"
        )
    return mint(settings, secret, role, subject, ttl)


def tool_token() -> str | None:
    """The token the commands send; None with OMS_AUTH=off."""
    global _minted
    given = os.environ.get(PREFIX + "TOKEN")
    if given:
        return given
    now = time.monotonic()
    if _minted is None or now > _minted[0]:
        settings = Settings.from_env()
        token = None
        if settings.auth == "on":
            token = minted(settings, "operator", TOOL_SUBJECT, TOOL_TTL)
        _minted = (now + TOOL_TTL.total_seconds() / 2, token)
    return _minted[1]


def authorization() -> dict[str, str]:
    """The Authorization header of the commands' requests (none with OMS_AUTH=off)."""
    token = tool_token()
    return {} if token is None else {"Authorization": f"Bearer {token}"}
