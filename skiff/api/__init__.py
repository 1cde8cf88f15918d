"""The API layer: gateway, routing, protocols, validation, errors."""
