"""The inventory service: products, stock and (later) reservations.

`faust -A apps.inventory worker` finds `app` here, with its agents and views.
"""

from apps.inventory import agents
from apps.inventory.app import app
from web import inventory as views

__all__ = ["agents", "app", "views"]
