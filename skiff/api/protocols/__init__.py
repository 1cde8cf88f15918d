"""Wire protocols driven by botocore's service models: one module per protocol."""
