"""Who may do what: SigV4 signatures verified, IAM policies evaluated, per-service action tables.

auth/ stands beside services/ on api/, state/ and store/. The gateway reaches it through the
`RequestAuthorizer` protocol of `skiff/api/authorizer.py`; what it needs from IAM (keys,
principals, policies) arrives as the `Directory` protocol that skiff/server/ wires to the IAM
backends.
"""
