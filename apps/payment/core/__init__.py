"""The payment's pure rules: `payments` (one order's payment: `decide`, which routes to
`saga`, `answers` and `commands`, built on `transitions`), `messages` (what it sends), and
`timeouts` (what the timeout timer asks)."""
