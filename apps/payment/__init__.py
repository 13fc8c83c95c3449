"""The payment service: charges, cancels and refunds orders' payments (its part of the saga).

`faust -A apps.payment worker` finds `app` here, with its agents and views.
"""

from apps.payment import agents
from apps.payment.app import app
from web import payments as views

__all__ = ["agents", "app", "views"]
