"""The Faust runtime every service stands on: app factory, mends, request/reply, apply.

Nothing here knows a service. Importing this package imports nothing: `settings` is
read by the `oms` command too, which must not load Faust.
"""
