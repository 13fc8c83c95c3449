"""The order service: places, follows and cancels orders, and starts each saga.

`faust -A apps.order worker` finds `app` here, with its agents and views.
"""

from apps.order import agents
from apps.order.app import app
from web import orders as views

__all__ = ["agents", "app", "views"]
