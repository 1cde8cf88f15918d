"""Task networking: one Docker bridge per VPC subnet, one pause container per task."""
