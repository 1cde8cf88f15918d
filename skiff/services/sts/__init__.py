"""STS: who is calling (GetCallerIdentity) and role sessions (AssumeRole)."""
