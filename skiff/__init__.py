"""skiff: a self-hosted, AWS-compatible Fargate."""

__version__ = "0.1.0"
