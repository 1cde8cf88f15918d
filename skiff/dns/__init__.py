"""The resolver tasks use: Cloud Map names (and other record sources) answered locally, everything
else through the host's own resolver path (/etc/hosts, then the host's upstream servers)."""
