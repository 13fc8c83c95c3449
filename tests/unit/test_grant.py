"""What a request may do once the gate let it in (`Grant`), and how the gate decides it."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import make_mocked_request

from apps.platform.tokens import TokenVerifier, secret_key
from models.actors import Actor
from models.orders import OrderFilter
from models.payments import PROVIDER_STATUSES, PaymentFilter
from tests.unit.values import CUSTOMER, OPERATOR, PROCESSOR
from web.access import OPERATOR as OPERATORS_ONLY
from web.access import SELF_SERVICE, TABLE
from web.kit.auth import NO_AUTH, Gate, Grant, Reach
from web.kit.errors import Forbidden, NotFound, Unauthorized

SECRET = "a-secret-for-the-grant-tests-of-at-least-32-bytes"

A_CUSTOMER = Grant(CUSTOMER, Reach.OWN)
AN_OPERATOR = Grant(OPERATOR, Reach.ALL)
A_PROCESSOR = Grant(PROCESSOR, Reach.SETTLE)


# -- the grant ----------------------------------------------------------------------------


def test_a_customer_sees_its_own_and_another_customers_object_is_not_found() -> None:
    A_CUSTOMER.visible(CUSTOMER.sub, "order 'o-1'")

    with pytest.raises(NotFound, match="no order 'o-1'"):
        A_CUSTOMER.visible("c-2", "order 'o-1'")
    with pytest.raises(NotFound):
        A_CUSTOMER.visible(None, "payment 'pay-o-1'")  # a payment of no known customer


def test_an_operator_sees_anyones_object() -> None:
    AN_OPERATOR.visible("c-2", "order 'o-1'")
    AN_OPERATOR.visible(None, "payment 'pay-o-1'")


@pytest.mark.parametrize("query", [OrderFilter(), PaymentFilter()])
def test_a_customers_list_is_confined_to_its_own(query: Any) -> None:
    confined = A_CUSTOMER.own_filter(query)

    assert confined.customer_id == CUSTOMER.sub
    assert confined.model_copy(update={"customer_id": None}) == query


@pytest.mark.parametrize(
    "query", [OrderFilter(customer_id="c-2"), PaymentFilter(customer_id="c-2")]
)
def test_a_customer_asking_for_another_customers_list_is_forbidden(query: Any) -> None:
    with pytest.raises(Forbidden, match="its own only, not those of 'c-2'"):
        A_CUSTOMER.own_filter(query)


def test_a_customer_asking_for_its_own_list_gets_it() -> None:
    query = OrderFilter(customer_id=CUSTOMER.sub, status="PENDING")

    assert A_CUSTOMER.own_filter(query) == query


def test_an_operators_list_is_what_it_asked() -> None:
    assert AN_OPERATOR.own_filter(OrderFilter()) == OrderFilter()
    assert AN_OPERATOR.own_filter(OrderFilter(customer_id="c-2")).customer_id == "c-2"


def test_a_customer_acts_for_itself_only__an_operator_for_anyone() -> None:
    A_CUSTOMER.acts_for(CUSTOMER.sub)
    AN_OPERATOR.acts_for("c-2")

    with pytest.raises(Forbidden, match="customer_id must be its own"):
        A_CUSTOMER.acts_for("c-2")


def test_a_processor_settles_a_payment_but_may_not_refund_it() -> None:
    A_PROCESSOR.may_set("COMPLETED", PROVIDER_STATUSES)
    A_PROCESSOR.may_set("FAILED", PROVIDER_STATUSES)

    with pytest.raises(Forbidden, match="may not set REFUNDED"):
        A_PROCESSOR.may_set("REFUNDED", PROVIDER_STATUSES)


def test_an_operator_may_set_any_status() -> None:
    AN_OPERATOR.may_set("REFUNDED", PROVIDER_STATUSES)


def test_only_a_customer_is_confined_to_a_customer() -> None:
    assert (A_CUSTOMER.customer, AN_OPERATOR.customer, A_PROCESSOR.customer) == (
        CUSTOMER.sub,
        None,
        None,
    )


def test_a_public_route_has_no_asker() -> None:
    with pytest.raises(LookupError):
        _ = Grant(None).asker
    assert Grant(None).customer is None
    assert AN_OPERATOR.asker == OPERATOR


# -- the gate -----------------------------------------------------------------------------


def token(*roles: str, sub: str = "c-1") -> str:
    claims = {"sub": sub, "roles": list(roles), "exp": int(time.time()) + 300}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def a_gate() -> Gate:
    """The gate of the services' table, checking HS256 tokens signed with SECRET."""
    return Gate(TABLE, TokenVerifier(secret_key(SECRET), algorithms=("HS256",)))


def request(authorization: str | None = None, method: str = "GET", path: str = "/orders") -> Any:
    headers = {} if authorization is None else {"Authorization": authorization}
    return make_mocked_request(method, path, headers=headers)


async def test_without_a_token_the_gate_asks_for_a_bearer_token() -> None:
    with pytest.raises(Unauthorized) as refused:
        await a_gate().grant(request(), SELF_SERVICE)

    assert refused.value.headers() == {"WWW-Authenticate": 'Bearer realm="oms"'}


@pytest.mark.parametrize("header", ["Basic b3BzOnMzY3JldA==", "Bearer", "Bearer a b", "token"])
async def test_an_authorization_that_is_no_bearer_token_is_refused_as_invalid(
    header: str,
) -> None:
    with pytest.raises(Unauthorized) as refused:
        await a_gate().grant(request(header), SELF_SERVICE)

    assert "invalid_token" in refused.value.headers()["WWW-Authenticate"]


async def test_a_token_not_accepted_is_refused_saying_why_but_not_what_it_was() -> None:
    forged = token("operator")[:-4] + "AAAA"

    with pytest.raises(Unauthorized, match="bad signature") as refused:
        await a_gate().grant(request(f"Bearer {forged}"), SELF_SERVICE)

    assert forged not in refused.value.message


async def test_a_role_the_route_does_not_allow_is_forbidden() -> None:
    with pytest.raises(Forbidden, match="customer may not GET /reservations"):
        await a_gate().grant(
            request(f"Bearer {token('customer')}", path="/reservations"), OPERATORS_ONLY
        )


async def test_a_customers_grant_names_it_and_confines_it_to_its_own() -> None:
    grant = await a_gate().grant(request(f"bearer  {token('customer')}"), SELF_SERVICE)

    assert grant == Grant(Actor(sub="c-1", role="customer"), Reach.OWN)


async def test_a_token_of_several_roles_acts_in_the_widest_the_route_allows() -> None:
    both = f"Bearer {token('customer', 'operator', sub='ops')}"
    settles = f"Bearer {token('customer', 'processor', sub='psp')}"

    as_operator = await a_gate().grant(request(both), SELF_SERVICE)
    as_processor = await a_gate().grant(
        request(settles, "PUT", "/payments/status"), TABLE["PUT", "/payments/status"]
    )
    as_customer = await a_gate().grant(request(settles), SELF_SERVICE)

    assert as_operator == Grant(Actor(sub="ops", role="operator"), Reach.ALL)
    assert as_processor == Grant(Actor(sub="psp", role="processor"), Reach.SETTLE)
    assert as_customer == Grant(Actor(sub="psp", role="customer"), Reach.OWN)


async def test_with_auth_off_every_caller_is_an_operator() -> None:
    grant = await Gate(TABLE, None).grant(request(), OPERATORS_ONLY)

    assert grant == Grant(NO_AUTH) and NO_AUTH.role == "operator"


async def test_a_customer_whose_sub_is_no_customer_id_is_forbidden_not_failed() -> None:
    asking = request(f"Bearer {token('customer', sub='auth0|5f7c')}")

    with pytest.raises(Forbidden, match="customer id as sub"):
        await a_gate().grant(asking, SELF_SERVICE)
