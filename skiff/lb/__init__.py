"""Load balancers' data path: HAProxy supervised, configured from the ELBv2 records, health read back."""
