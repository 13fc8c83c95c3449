"""The order service: places, follows and cancels orders, and starts each saga.

`faust -A apps.order worker` finds `app` here, with its agent; the app names its
REST views (`web.orders`), which Faust imports when the worker starts.
"""

from apps.order import agents
from apps.order.app import app

__all__ = ["agents", "app"]
