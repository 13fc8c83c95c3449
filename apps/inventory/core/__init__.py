"""The inventory's pure rules: `stock` (one product), `reservations` (one order's hold:
`decide`, which routes to `opening`, `lines`, `releases` and `settling`), and `messages`
(what a reservation sends)."""
