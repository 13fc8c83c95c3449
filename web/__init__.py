"""Thin REST views per service, on the view kit in `web.kit`."""
