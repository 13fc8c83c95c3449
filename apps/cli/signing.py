"""What `oms up` does for tokens: keep a secret in the data directory, and say how to get one.

The workers inherit `oms up`'s environment, so they read the same data directory and
find the same secret; so does `oms token` run from the same directory. The secret is
never logged, only where it is kept.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from apps.platform.settings import PREFIX, Settings
from apps.platform.tokens import keep_secret, secret_file


def keep(settings: Settings) -> str:
    """Make the secret tokens are signed with if the settings name none; what was done.

    ValueError if a secret kept before cannot be used (readable by others, too short).
    """
    if settings.auth == "off":
        return f"auth off ({PREFIX}AUTH=off): no token asked, every caller an operator"
    if settings.auth_jwks:
        return f"tokens checked with the identity provider's keys at {settings.auth_jwks}"
    if settings.auth_secret:
        return f"tokens signed with {PREFIX}AUTH_SECRET"
    _, made_now = keep_secret(settings.data_dir)
    path = secret_file(settings.data_dir)
    if made_now:
        return f"made a secret for tokens in {path} (mode 0600)"
    return f"tokens signed with the secret kept in {path}"


def how_to_get_a_token(settings: Settings) -> str:
    """The ready line that says where a token comes from."""
    if settings.auth == "off":
        return f"none needed: {PREFIX}AUTH=off"
    if settings.auth_jwks:
        return "from your identity provider"
    return f"TOKEN=$({oms_command()} token operator)"


def oms_command() -> str:
    """The `oms` script beside this interpreter as one types it here: `.venv/bin/oms`."""
    script = Path(sys.executable).with_name("oms")
    if not script.exists():
        return "oms"
    relative = os.path.relpath(script)
    return shlex.quote(str(script) if relative.startswith("..") else relative)
