"""The inventory's pure rules: `stock` (one product) and `reservations` (one order's hold)."""
