"""Applies ECR lifecycle policies: a pass over every repository with a policy, every `interval`
seconds (ECR applies policies within a day; skiff sooner). Expired images leave the registry,
whose garbage collection then frees their layers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

log = logging.getLogger("skiff.controllers.ecr_lifecycle")


class ImageExpiry(Protocol):
    async def expire_images(self) -> int: ...


class LifecycleController:
    def __init__(self, expiry: ImageExpiry, interval: float) -> None:
        self.expiry = expiry
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="ecr-lifecycle")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.expiry.expire_images()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("lifecycle pass failed")
