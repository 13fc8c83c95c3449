"""The three services (`order`, `inventory`, `payment`), the `platform` they stand on,
and the `cli` that runs them."""
