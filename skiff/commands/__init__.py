"""The user commands of `skiff` (status, ps, services, logs, events, wait, top, exec, reset).

One module per command group; each exposes `register(app)`, which skiff/cli.py calls. They talk to
the engine as any client would: the AWS APIs through boto3, and skiff's own `/_skiff/` endpoints
only for what has no AWS API (the status of the engine's parts, the state reset). `common.py` holds
the connection settings and the error handling every command shares, `formatting.py` the pure
helpers that turn API records into table cells.
"""
