"""Applies ECR lifecycle policies: a pass over every repository with a policy, every `interval`
seconds (ECR applies policies within a day; skiff sooner). Expired images leave the registry,
whose garbage collection then frees their layers."""

from __future__ import annotations

from typing import Protocol

from skiff.periodic import PeriodicLoop


class ImageExpiry(Protocol):
    async def expire_images(self) -> int: ...


class LifecycleController:
    def __init__(self, expiry: ImageExpiry, interval: float) -> None:
        self.expiry = expiry
        self.interval = interval
        self._loop = PeriodicLoop("ecr-lifecycle", interval, self.expiry.expire_images)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
