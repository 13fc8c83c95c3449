"""The payment's pure rules: `payments` (one order's payment), `messages` (what it sends),
and `timeouts` (what the timeout timer asks)."""
