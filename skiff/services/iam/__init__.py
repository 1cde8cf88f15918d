"""IAM: roles, managed and inline policies, and the credentials skiff issues for roles."""
