"""`oms token ROLE [SUBJECT] [--ttl 1h]`: a token signed with the configured secret, alone
on stdout, so that `TOKEN=$(.venv/bin/oms token operator)` works.

The secret is the one the services check tokens with: OMS_AUTH_SECRET, or the one
`oms up` keeps in the data directory. With an identity provider (OMS_AUTH_JWKS) there is
no secret here, and with OMS_AUTH=off no token is needed: both are refused, saying so.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import timedelta
from typing import Any

from apps.cli.credentials import NoCredential, minted
from apps.platform.settings import PREFIX, Settings
from models.actors import ROLES

#: How long a token lives unless --ttl says otherwise.
DEFAULT_TTL = "1h"
#: The longest --ttl taken: a token cannot be revoked, only outlived.
MAX_TTL = timedelta(days=30)
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
DURATION = re.compile(r"([0-9]{1,9})([smhd])")  # 9 digits: no overflow, even in days
#: The longest `sub` the services take (see models.actors.Actor).
MAX_SUBJECT = 255


def duration(text: str) -> timedelta:
    """`30m`, `1h`, `2d` as a timedelta: positive, at most MAX_TTL (an argparse type)."""
    match = DURATION.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: a whole number and a unit, one of s, m, h, d (30m, 1h)"
        )
    ttl = timedelta(**{UNITS[match[2]]: int(match[1])})
    if not timedelta(0) < ttl <= MAX_TTL:
        raise argparse.ArgumentTypeError(f"{text} is not within 1s..{MAX_TTL.days}d")
    return ttl


def add_token(commands: Any) -> argparse.ArgumentParser:
    """The `token` command and its arguments."""
    token: argparse.ArgumentParser = commands.add_parser(
        "token",
        help="print a token for ROLE signed with the secret `oms up` keeps (or "
        f"{PREFIX}AUTH_SECRET): TOKEN=$(oms token operator)",
    )
    token.add_argument("role", choices=ROLES, metavar="ROLE", help=f"one of {', '.join(ROLES)}")
    token.add_argument(
        "subject",
        nargs="?",
        metavar="SUBJECT",
        help="who the token stands for, its `sub` (default: the role's name); "
        "for a customer, its customer id, which it needs",
    )
    token.add_argument(
        "--ttl",
        type=duration,
        default=DEFAULT_TTL,
        metavar="DURATION",
        help=f"how long it is valid: 30m, 1h, 2d... (default {DEFAULT_TTL}, "
        f"at most {MAX_TTL.days}d)",
    )
    return token


def run_token(args: argparse.Namespace) -> int:
    """Print the token asked for; 2, saying why on stderr, if there is none to print."""
    try:
        token = _token(args)
    except (NoCredential, ValueError) as exc:
        print(f"oms token: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


def _token(args: argparse.Namespace) -> str:
    settings = Settings.from_env()  # ValueError: a setting that is wrong, which it says
    if settings.auth == "off":
        raise NoCredential(f"{PREFIX}AUTH=off: the services ask no token, so none is needed")
    subject = args.subject if args.subject is not None else _default_subject(args.role)
    if not 1 <= len(subject) <= MAX_SUBJECT:
        raise NoCredential(f"SUBJECT must be 1 to {MAX_SUBJECT} characters long")
    return minted(settings, args.role, subject, args.ttl)


def _default_subject(role: str) -> str:
    if role == "customer":
        raise NoCredential(
            "a customer token needs a SUBJECT, the customer id it stands for: "
            "oms token customer c-42"
        )
    return role
