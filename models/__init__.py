"""Pydantic models of the system: REST bodies, events, commands and table values."""
