"""Reconcile loops: level-triggered, idempotent, derived from stored state after any crash."""
