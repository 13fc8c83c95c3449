"""Thin REST views per service, their error rendering and request parsing."""
