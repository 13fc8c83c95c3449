"""The inventory service: products, stock, and reservations (its part of the saga).

`faust -A apps.inventory worker` finds `app` here, with its agents; the app names
its REST views (`web.inventory`, `web.reservations`), which Faust imports at start.
"""

from apps.inventory import agents
from apps.inventory.app import app

__all__ = ["agents", "app"]
