"""Elastic Load Balancing v2 (query protocol): balancers, target groups, listeners, rules, targets."""
