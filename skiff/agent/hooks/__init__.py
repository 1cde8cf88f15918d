"""Lifecycle hooks of a task runner, one concern per module:
network (pause container) ▸ pull ▸ create ▸ start (dependsOn order) ▸ health ▸ stop."""
