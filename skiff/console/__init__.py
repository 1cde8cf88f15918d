"""The web console under /console, skiff's own endpoints (state reset, status) and who may use them."""
