"""The ECR registry on this machine: the supervised distribution registry and skiff's TLS front."""
