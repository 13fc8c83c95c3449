"""The inventory's pure rules: `stock` (one product), `reservations` (one order's hold),
and `messages` (what a reservation sends)."""
