"""This server's registry as one part: supervised process, TLS front, names, and their upkeep.

`start` adopts or starts the registry process, brings the store in line with what the registry
holds (images pushed while skiff was away, or whose record a kill -9 cut off), publishes the
host names in use and opens the front on :443. The ECR API reaches it through the methods below
(skiff/server/ hands this object to the ECR backend as its `RegistryControl`): new hosts, image
deletes and untagging, and garbage collection, which runs a while after the last delete so one
collection serves a burst of deletes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from pathlib import Path

from aiohttp import web

from skiff.registry.front import RegistryFront
from skiff.registry.publishing import RegistryPublishing
from skiff.registry.storage import RegistryStorage, StorageError, StoredRepository, media_type_of
from skiff.registry.supervisor import RegistrySupervisor
from skiff.security.ca import LocalCA
from skiff.security.registry_tokens import RegistryTokens
from skiff.state import ecr
from skiff.store.base import Store

log = logging.getLogger("skiff.registry")


class Registry:
    def __init__(
        self,
        data_dir: Path,
        instance: str,
        store: Store,
        tokens: RegistryTokens,
        *,
        collect_after: float = 30.0,
        publishing: RegistryPublishing | None = None,
        supervisor: RegistrySupervisor | None = None,
    ) -> None:
        self.store = store
        self.supervisor = supervisor or RegistrySupervisor(data_dir)
        self.storage = RegistryStorage(self.supervisor.storage, self.supervisor.socket_path)
        self.front = RegistryFront(store, tokens, str(self.supervisor.socket_path))
        self.publishing = publishing or RegistryPublishing(data_dir, instance, LocalCA.for_data_dir(data_dir))
        self.collect_after = collect_after
        self._runner: web.AppRunner | None = None
        self._collect_task: asyncio.Task[None] | None = None
        self._collect_due = 0.0
        self.collections = 0

    # -- life -----------------------------------------------------------------------------------
    async def start(self, hosts: set[str]) -> None:
        await self.supervisor.start()
        await self.reconcile()
        self.publishing.publish(hosts)
        self._runner = web.AppRunner(self.front.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        address = self.publishing.address()
        site = web.TCPSite(self._runner, address, self.publishing.port, ssl_context=self.publishing.context,
                           reuse_address=True)  # fmt: skip
        await site.start()
        log.info(
            "registry front on https://%s:%d for %s", address, self.publishing.port, ", ".join(sorted(hosts))
        )

    async def stop(self) -> None:
        """skiff stops; the registry process keeps running (adopted next time), names stay."""
        if self._collect_task is not None:
            self._collect_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._collect_task
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def shut_down(self) -> None:
        """Stop for good: process ended, names and docker's trust withdrawn (storage kept)."""
        await self.stop()
        self.supervisor.stop()
        self.publishing.withdraw()

    # -- the store follows the registry ---------------------------------------------------------
    async def reconcile(self) -> None:
        stored = self.storage.repositories()
        for doc in self.store.scan(ecr.REPOSITORIES):
            repository = doc[1]
            account, region = repository["registryId"], repository["repositoryArn"].split(":")[3]
            inner = ecr.storage_name(account, region, repository["repositoryName"])
            self._reconcile_repository(repository["repositoryArn"], stored.pop(inner, None))
        for inner, orphan in stored.items():  # a repository deleted while its images were going
            for digest in orphan.digests:
                with contextlib.suppress(StorageError):
                    await self.storage.delete_manifest(inner, digest)

    async def reset(self) -> None:
        """After a state reset: images of repositories that are gone are deleted, space freed soon."""
        await self.reconcile()
        self.collect_soon()

    def _reconcile_repository(self, arn: str, held: StoredRepository | None) -> None:
        digests = held.digests if held is not None else set()
        tags = held.tags if held is not None else {}
        known = {i["imageDigest"]: i for i in ecr.images_of(self.store, arn)}
        for digest in set(known) - digests:
            ecr.delete_image(self.store, arn, digest)
        for digest in digests:
            wanted = sorted(t for t, d in tags.items() if d == digest)
            image = known.get(digest)
            if image is None:
                manifest = self.storage.blob(digest) or b"{}"
                image = ecr.record_push(self.store, arn, digest, None, manifest, media_type_of(manifest))
            if sorted(image.get("imageTags", [])) != wanted:
                image["imageTags"] = wanted
                ecr.save_image(self.store, arn, image)

    # -- RegistryControl (what the ECR API asks of the registry) ---------------------------------
    async def ensure_host(self, account: str, region: str) -> None:
        host = ecr.registry_host(account, region)
        if host not in self.publishing.hosts:
            self.publishing.publish({*self.publishing.hosts, host})

    async def remove_image(self, account: str, region: str, name: str, digest: str) -> None:
        await self.storage.delete_manifest(ecr.storage_name(account, region, name), digest)
        self.collect_soon()

    async def untag_image(self, account: str, region: str, name: str, digest: str, keep: list[str]) -> None:
        manifest = self.storage.blob(digest) or b"{}"
        await self.storage.untag(
            ecr.storage_name(account, region, name), digest, keep, media_type_of(manifest)
        )

    # -- garbage collection ---------------------------------------------------------------------
    def collect_soon(self) -> None:
        loop = asyncio.get_running_loop()
        self._collect_due = loop.time() + self.collect_after
        if self._collect_task is None or self._collect_task.done():
            self._collect_task = loop.create_task(self._collect_when_due(), name="registry-gc")

    async def _collect_when_due(self) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < self._collect_due:
            await asyncio.sleep(self._collect_due - loop.time())
        try:
            await self.collect()
        except Exception:
            log.exception("registry garbage collection failed")

    async def collect(self) -> tuple[int, int]:
        """Garbage-collect now, requests held meanwhile; (bytes before, bytes after)."""
        async with self.front.paused():
            before = self.supervisor.storage_bytes()
            started = dt.datetime.now(dt.UTC)
            await self.supervisor.collect()
            after = self.supervisor.storage_bytes()
        self.collections += 1
        log.info("registry garbage collection: %d -> %d bytes in %.1fs", before, after,
                 (dt.datetime.now(dt.UTC) - started).total_seconds())  # fmt: skip
        return before, after
