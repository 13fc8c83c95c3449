"""When the embedded broker holds more than it serves well, and what to say about it.

Tansu, the broker `oms up` starts, keeps every record in memory and cannot delete one:
its memory grows by about 45 KB an order (18.5 MB fresh, 111 MB after 2 000 orders, 197 MB
after 4 000), and every fetch lists each stored batch of its partition, so each hop
slows as it fills (POST-to-terminal p99 at 50/s: 702 ms over the first 2 000 orders,
1 771 ms over the next 2 000). docs/performance.md, "Rebuilding state", has the figures.
"""

from __future__ import annotations

#: The orders stored past which `oms up`'s own broker is a poor choice (its workers get
#: it as OMS_EMBEDDED_BROKER_ORDERS; 0 for a broker apart, or Kafka: never a note).
EMBEDDED_BROKER_ORDERS = 5_000


def broker_note(orders: int, threshold: int) -> str | None:
    """What the saga page and `oms up` say once the embedded broker holds `orders`, past
    `threshold` (0: never)."""
    if threshold <= 0 or orders < threshold:
        return None
    return (
        f"The embedded broker holds {orders} orders: it keeps every record in memory (about "
        f"45 KB an order) and cannot delete one, so its memory and each saga's latency grow "
        f"with every order. Past {threshold} orders, run Kafka, or `oms broker` apart and "
        f"`oms up --broker-url` (docs/broker.md)."
    )
