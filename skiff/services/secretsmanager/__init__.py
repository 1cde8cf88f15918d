"""AWS Secrets Manager: secrets with staged versions whose values are stored only sealed."""
