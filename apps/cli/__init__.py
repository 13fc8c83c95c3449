"""The `oms` command and its tools: they start processes and speak REST, never Faust."""
