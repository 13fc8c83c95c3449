"""What the OpenAPI document says of who may call each operation, from the one table.

The document declares the bearer scheme (RFC 6750, a JWT), and each operation its
`security` (none on a public route), the roles that may call it, and its 401 and 403.
Swagger UI's Authorize button reads the scheme.
"""

from __future__ import annotations

from typing import Any

from web.kit.auth import Reach, Rule
from web.kit.errors import ApiError, Forbidden, Unauthorized

SCHEME = "bearer"
SECURITY_SCHEMES = {
    SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A JWT with `sub` and `roles` (customer, operator or processor); "
        "`oms token ROLE [SUBJECT]` makes one with the configured secret.",
    }
}
#: How each reach reads in an operation's description.
REACH = {
    Reach.ALL: "{role}",
    Reach.OWN: "{role} (its own only: another's is not found)",
    Reach.SETTLE: "{role} (only PENDING to COMPLETED or FAILED)",
}


def security(rule: Rule) -> dict[str, Any]:
    """The operation's `security`, and a sentence saying who may call it."""
    if rule.public:
        return {"security": [], "description": "Public: no token needed."}
    roles = ", ".join(REACH[reach].format(role=role) for role, reach in rule.roles.items())
    return {"security": [{SCHEME: []}], "description": f"Roles: {roles or 'none'}."}


def access_errors(rule: Rule) -> list[type[ApiError]]:
    """What the gate may answer before the operation runs."""
    return [] if rule.public else [Unauthorized, Forbidden]
