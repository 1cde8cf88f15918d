"""Cloud Map (servicediscovery): namespaces, services, instances, operations."""
