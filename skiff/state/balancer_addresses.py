"""Load balancer addresses: each balancer's one address in 127.77.0.0/16 (the host reaches it
through /etc/hosts) and its task-facing twin 169.254.A.B (tasks cannot use loopback addresses;
skiff/lb/task_access.py binds the twins)."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection

from skiff.state.balancers import LOAD_BALANCERS, address_of
from skiff.store.base import Store

ADDRESS_NETWORK = ipaddress.IPv4Network("127.77.0.0/16")

# the twins' third octets 169 and 170 are instance metadata's and the task endpoint's
TWINLESS_THIRD_OCTETS = (169, 170)


def task_address(address: str) -> str | None:
    """The task-facing twin of a balancer's address, 169.254.A.B for 127.77.A.B (skiff/lb/
    task_access.py: tasks cannot use loopback addresses), or None when it has none."""
    try:
        parts = ipaddress.IPv4Address(address).packed
    except ValueError:
        return None
    if parts[0] != 127 or parts[1] != 77 or parts[2] in TWINLESS_THIRD_OCTETS or parts[3] in (0, 255):
        return None
    return f"169.254.{parts[2]}.{parts[3]}"


def allocate(store: Store, taken: Collection[str] = ()) -> str:
    """A 127.77.0.0/16 address no balancer holds, nor is in `taken` (other servers' on this
    host); call inside the transaction that saves it.

    Addresses are handed out in turn (a counter), so a deleted balancer's address comes back only
    after the rest of the range has been used; each has a task-facing twin (`task_address`).
    """
    used = {address_of(doc) for doc in store.find(LOAD_BALANCERS)} | set(taken)
    size = ADDRESS_NETWORK.num_addresses - 2  # neither .0.0 nor .255.255
    for _ in range(size):
        n = (store.next_number("elb-address") - 1) % size + 1
        address = str(ADDRESS_NETWORK.network_address + n)
        if address not in used and task_address(address) is not None:
            return address
    raise RuntimeError("no load balancer address left in 127.77.0.0/16")
