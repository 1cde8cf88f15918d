"""The task metadata (v2, v3, v4) and credentials endpoint served at 169.254.170.2."""
