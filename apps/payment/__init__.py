"""The payment service: takes, cancels and refunds payments.

`faust -A apps.payment worker` finds `app` here.
"""

from apps.payment.app import app

__all__ = ["app"]
