"""AWS Systems Manager Parameter Store: versioned parameters; SecureString values stored sealed."""
