"""The skiff server: `build` assembles store, providers, agent and gateway (app.py, from the
providers of providers.py and the subsystems of wiring.py); `serve` runs it on its sockets."""

from skiff.server.app import Server, build, build_app, serve, time_startup_steps
from skiff.server.providers import build_authorizer, build_providers

__all__ = [
    "Server",
    "build",
    "build_app",
    "build_authorizer",
    "build_providers",
    "serve",
    "time_startup_steps",
]
