"""Amazon ECR: repositories and images on skiff's registry, logins, lifecycle and repository policies."""
