"""EC2, the VPC subset skiff needs: the default network, VPCs, subnets, security groups, internet
gateways, route tables, VPC endpoints, prefix lists, network interfaces and tags.

Layout (each backend takes a `Scope(account, region)` and knows nothing of HTTP):

- `provider.py` — the thin `Ec2Provider` (one method per EC2 operation), registered in
  `skiff/server/`. Every call makes the region's default network first and honours `DryRun`.
- `backend.py` — `Ec2Backend`, the backends together: the default network of a region,
  VPC/subnet/group deletion with dependency checks, tags on any id, and the methods other
  services call (`ensure_default_vpc`, `default_subnet_ids`, `subnet`, `find_subnet`,
  `allocate_ip`, `release_ip`, `record_network_interface`, `delete_network_interface`).
- `vpcs.py`, `subnets.py`, `security_groups.py` + `rules.py`, `gateways.py`,
  `route_tables.py`, `interfaces.py`, `endpoints.py` + `prefix_lists.py` — one backend per
  resource type, each over its own store collection.
- `zones.py` — availability zones (six in us-east-1, three elsewhere) and their ids.
- `cidrs.py` — CIDR rules (/16 to /28, inside the VPC, no overlap) and assignable addresses.
- `filters.py` — `Filters` with `*`/`?` wildcards, `tag:<key>`, `tag-key`, `tag-value`.
- `tags.py` — tags per resource id, TagSpecifications, DescribeTags.
- `records.py` — scoped collection access, `_`-prefixed bookkeeping keys, pagination.
- `ids.py`, `exceptions.py` — AWS-looking ids (`vpc-` + 17 hex ...) and EC2's error codes.

State is in the store collections of schema version 3 (`ec2_*` tables).
"""

from skiff.services.ec2.backend import Ec2Backend

__all__ = ["Ec2Backend"]
