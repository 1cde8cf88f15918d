"""AWS Certificate Manager (awsJson 1.1): certificates imported, or issued at once by skiff's CA."""
