"""CloudWatch Logs: log groups, streams, events, filter patterns, retention and tags."""
