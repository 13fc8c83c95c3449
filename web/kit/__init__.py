"""The service-agnostic view kit: the base view, errors, commands, lists, OpenAPI, pages."""
