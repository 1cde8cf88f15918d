"""The agent: runs tasks as Docker containers."""
