"""The three services (order, inventory, payment) and the `oms` command that runs them."""
