"""The payment service: charges, cancels and refunds orders' payments (its part of the saga).

`faust -A apps.payment worker` finds `app` here, with its agents; the app names its
REST views (`web.payments`), which Faust imports when the worker starts.
"""

from apps.payment import agents
from apps.payment.app import app

__all__ = ["agents", "app"]
