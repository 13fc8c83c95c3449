"""The order service: places, follows and cancels orders.

`faust -A apps.order worker` finds `app` here.
"""

from apps.order.app import app

__all__ = ["app"]
