"""CloudWatch (`monitoring`): metric data, statistics, metric math, alarms, tags."""
