"""Bearer tokens for the tests, signed with the secret every test worker is started with.

`tests/conftest.py` puts OMS_AUTH_SECRET in the environment before anything is imported,
so the workers the tests start, and the `oms` commands they run, share it.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from apps.platform.settings import Settings
from apps.platform.tokens import mint
from models.actors import Role

#: Long enough for any test session.
TTL = timedelta(hours=12)


@cache
def token(role: Role, sub: str | None = None) -> str:
    """A token for `sub` (by default the role's name) in `role`."""
    settings = Settings.from_env()
    return mint(settings, settings.auth_secret, role, sub or f"test-{role}", TTL)


def bearer(role: Role = "operator", sub: str | None = None) -> dict[str, str]:
    """The Authorization header of a request made as `sub` in `role`."""
    return {"Authorization": f"Bearer {token(role, sub)}"}
