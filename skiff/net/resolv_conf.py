"""A task's /etc/resolv.conf: the subnet gateway as its nameserver, the VPC's search domain.

The pause container owns the task's network namespace, and the task's containers share its
resolv.conf (Docker gives containers of `container:<id>` network mode that container's file). On a
user-defined bridge Docker writes its embedded resolver (127.0.0.11) there; skiff writes the file
the VPC way instead, in place (the file is bind-mounted; replacing it would leave the old one
inside), once the pause container has started and before any task container exists. Docker does
not rewrite a resolv.conf it sees changed.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("skiff.net.resolv")


def render(nameserver: str, search: str) -> str:
    return f"search {search}\nnameserver {nameserver}\noptions timeout:2 attempts:5\n"


def write(path: str, nameserver: str, search: str) -> bool:
    """Write the file Docker made for a container; False (logged) when it cannot be written."""
    if not path:
        return False
    try:
        with Path(path).open("r+") as handle:
            handle.seek(0)
            handle.write(render(nameserver, search))
            handle.truncate()
        return True
    except OSError as exc:
        log.warning("cannot write %s (tasks keep Docker's resolver): %s", path, exc)
        return False
