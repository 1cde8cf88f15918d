"""The container runtime adapter: the Docker Engine client, its stream decoding and skiff's labels.

The only code that talks to Docker. Everything above it (net/, agent/, the collectors) goes
through `DockerClient`; nothing here knows about tasks, services or the API.
"""
