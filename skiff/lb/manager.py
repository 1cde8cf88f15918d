"""The load balancers' data path: keeps HAProxy serving what the balancer records say.

A pass every half second (and at once when woken): drained targets whose deregistration delay
has passed are removed, the plan is rebuilt when the records' generation moved, HAProxy is
brought to it (dataplane.py), each target's health as HAProxy sees it is written back
(DescribeTargetHealth reads it), balancers HAProxy serves go provisioning → active, and the
balancers' DNS names are kept in /etc/hosts (section `elb`) pointing at their addresses.
HAProxy is left running when skiff stops; the next start adopts it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from skiff.lb.dataplane import DataPath
from skiff.lb.model import DataPlane
from skiff.lb.plan import CertificateFiles, PemSource, build_plan
from skiff.lb.supervisor import HaproxyError, Supervisor
from skiff.lb.task_access import TaskAccess
from skiff.net.hosts import HostsFile
from skiff.periodic import PeriodicLoop
from skiff.state import balancers as records
from skiff.store.base import Store

log = logging.getLogger("skiff.lb")

INTERVAL = 0.5
HOSTS_SECTION = "elb"


class LoadBalancing:
    def __init__(
        self,
        store: Store,
        data_dir: Path,
        pem_source: PemSource | None = None,
        hosts: HostsFile | None = None,
        interval: float = INTERVAL,
        serve: bool = True,
        instance: str | None = None,
    ) -> None:
        self.store = store
        self.serve = serve  # False (SKIFF_LB=off): no HAProxy; balancers turn active at once
        self.supervisor = Supervisor(data_dir)
        self.datapath = DataPath(self.supervisor)
        self.certificates = CertificateFiles(self.supervisor.directory / "certs", pem_source)
        self.hosts = hosts
        # tasks reach balancers at their link-local twins (None: from the host only)
        self.access = TaskAccess(self.supervisor.directory, instance) if instance else None
        self.interval = interval
        self.plan = DataPlane()
        self.generation = -1
        self.published: dict[str, str] | None = None
        self.started = False
        self._loop = PeriodicLoop("load balancing", interval, self.run_once, pass_at_start=True)

    def wake(self) -> None:
        self._loop.wake()

    async def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        """Stop managing; HAProxy keeps serving."""
        await self._loop.stop()

    async def run_once(self) -> None:
        records.expire_drained(self.store)
        if not self.serve:
            self.activate()
            return
        generation = records.generation(self.store)
        if self.started and self.supervisor.recorded_pid() is None:
            log.warning("HAProxy is gone: starting it again")
            self.started = False
        fresh = not self.started and self.supervisor.recorded_pid() is None
        if fresh and not records.load_balancers(self.store):
            return  # HAProxy starts with the first balancer
        if generation != self.generation or not self.started:
            self.plan = build_plan(self.store, self.certificates, task_facing=self.access is not None)
        try:
            if self.access is not None:
                self.supervisor.prepare()
                await self.access.apply(task_ports(self.plan))
            if not self.started:
                await self.datapath.start(self.plan)
                self.started = True
            else:
                await self.datapath.apply(self.plan)
        except (HaproxyError, OSError, TimeoutError) as exc:
            log.error("HAProxy: %s", exc)
            return
        self.generation = generation
        self.write_health()
        self.activate()
        self.publish()

    def write_health(self) -> None:
        backends = {b.arn: b for b in self.plan.backends}
        for group in records.target_groups(self.store):
            backend = backends.get(group["TargetGroupArn"])
            for target in records.targets_of(self.store, group["TargetGroupArn"]):
                state: str
                reason: str | None
                code: str | None
                if backend is None:
                    state, reason, code = "unused", "Target.NotInUse", None
                else:
                    port = records.traffic_port(group, target)
                    server = next(
                        (s for s in backend.servers if s.address == target["id"] and s.port == port), None
                    )
                    if server is None:
                        continue  # registered since the plan was built: the next pass has it
                    health = self.datapath.health(backend, server)
                    state, reason, code = health.state, health.reason, health.code
                wanted = records.health(state, reason, code)
                if target.get("health") != wanted:
                    records.set_health(
                        self.store,
                        group["TargetGroupArn"],
                        target["id"],
                        int(target["port"]),
                        state,
                        reason,
                        code,
                    )

    def activate(self) -> None:
        for balancer in records.load_balancers(self.store):
            if (balancer.get("State") or {}).get("Code") == "provisioning" and records.address_of(balancer):
                records.set_load_balancer_state(self.store, balancer["LoadBalancerArn"], "active")
                log.info("load balancer %s is active", balancer["LoadBalancerName"])

    def publish(self) -> None:
        if self.hosts is None:
            return
        names = {
            str(b["DNSName"]).lower(): records.address_of(b)
            for b in records.load_balancers(self.store)
            if b.get("DNSName") and records.address_of(b)
        }
        if names != self.published:
            try:
                self.hosts.set_section(HOSTS_SECTION, names)
                self.published = names
            except (OSError, ValueError) as exc:
                log.warning("cannot publish load balancer names in %s: %s", self.hosts.path, exc)

    async def reset(self) -> None:
        """Stop HAProxy for good and withdraw the names and task addresses (the data dir is being
        wiped, or the state reset); the next balancer starts a new HAProxy."""
        self.supervisor.stop()
        if self.hosts is not None:
            self.hosts.set_section(HOSTS_SECTION, {})
        if self.access is not None:
            await self.access.remove()
        self.started = False
        self.generation = -1
        self.plan = DataPlane()
        self.published = None


def task_ports(plan: DataPlane) -> dict[str, tuple[int, ...]]:
    """Task-facing address → the listener ports bound on it."""
    found: dict[str, set[int]] = {}
    for frontend in plan.frontends:
        if frontend.task_address:
            found.setdefault(frontend.task_address, set()).add(frontend.port)
    return {address: tuple(sorted(ports)) for address, ports in found.items()}
