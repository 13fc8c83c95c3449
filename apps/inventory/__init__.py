"""The inventory service: products, stock, and reservations (its part of the saga).

`faust -A apps.inventory worker` finds `app` here, with its agents and views.
"""

from apps.inventory import agents
from apps.inventory.app import app
from web import inventory as views
from web import reservations as reservation_views

__all__ = ["agents", "app", "reservation_views", "views"]
