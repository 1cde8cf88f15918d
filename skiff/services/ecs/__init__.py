"""Amazon ECS: clusters, task definitions, account settings and tags (tasks and services follow)."""
