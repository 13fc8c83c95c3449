"""Raw references for `oms bench`: a bare aiokafka relay and a bare Faust forwarder, and a probe.

Each runs as its own process on the system's broker, so the bench can set the system's
events per second and per-hop latency beside what the broker and Faust give bare.
Nothing imports this package: the bench starts its modules with `python -m`.
"""
