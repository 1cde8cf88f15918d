"""Server settings, read from the environment with defaults that work out of the box."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ACCOUNT_ID = "000000000000"
DEFAULT_REGION = "us-east-1"
DEFAULT_PORT = 4620
DEFAULT_ROOT_KEY = "test"  # the account root's key pair: access key id and secret both "test"
DEFAULT_METADATA_PORT = 51679  # where the ECS agent listens; tasks' port 80 is redirected here


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=lambda: Path("~/.skiff").expanduser())
    account_id: str = DEFAULT_ACCOUNT_ID
    default_region: str = DEFAULT_REGION
    task_cleanup_seconds: float = 60.0
    stopped_task_retention_seconds: float = 3600.0  # DescribeTasks answers this long after a stop
    metadata_port: int = DEFAULT_METADATA_PORT
    metadata_rate: float = 40.0  # requests a second per task; 0 switches limiting off
    # ECR: the registry (off in API tests), when it garbage-collects after deletes, how often
    # lifecycle policies run, how long a pull with no network path waits before it fails
    registry: bool = True
    registry_gc_seconds: float = 30.0
    ecr_lifecycle_seconds: float = 60.0
    pull_no_path_seconds: float = 5.0
    # auth: signatures verified and IAM policies evaluated (SKIFF_AUTH=off: any key works, as root)
    auth: bool = True
    root_access_key_id: str = DEFAULT_ROOT_KEY
    root_secret_access_key: str = DEFAULT_ROOT_KEY
    logs_retention_seconds: float = 60.0  # how often CloudWatch Logs retention policies are applied
    dns_port: int = 0  # where the resolver tasks use listens on 169.254.170.2 (0: a free port)
    lb: bool = True  # load balancers' data path on HAProxy (off: API only, balancers active at once)
    # CloudWatch: seconds between stats publications and alarm evaluations; AWS's minute by default,
    # shorter for tests and demos (alarms with Period 60 are then evaluated every this many seconds)
    metrics_period_seconds: int = 60

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        values: dict[str, object] = {
            "host": os.environ.get("SKIFF_HOST", cls.host),
            "port": int(os.environ.get("SKIFF_PORT", str(DEFAULT_PORT))),
            "data_dir": Path(os.environ.get("SKIFF_DATA_DIR", "~/.skiff")).expanduser(),
            "account_id": os.environ.get("SKIFF_ACCOUNT_ID", DEFAULT_ACCOUNT_ID),
            "default_region": os.environ.get("SKIFF_DEFAULT_REGION", DEFAULT_REGION),
            "metadata_port": int(os.environ.get("SKIFF_METADATA_PORT", str(DEFAULT_METADATA_PORT))),
            "metadata_rate": float(os.environ.get("SKIFF_METADATA_RATE_LIMIT", "40")),
            "dns_port": int(os.environ.get("SKIFF_DNS_PORT", "0")),
            "metrics_period_seconds": max(
                1, min(60, int(os.environ.get("SKIFF_METRICS_PERIOD_SECONDS", "60")))
            ),
            "task_cleanup_seconds": float(os.environ.get("SKIFF_TASK_CLEANUP_SECONDS", "60")),
            "stopped_task_retention_seconds": float(
                os.environ.get("SKIFF_STOPPED_TASK_RETENTION_SECONDS", "3600")
            ),
            "registry": os.environ.get("SKIFF_REGISTRY", "on").lower() not in ("off", "0", "false", "no"),
            "registry_gc_seconds": float(os.environ.get("SKIFF_REGISTRY_GC_SECONDS", "30")),
            "ecr_lifecycle_seconds": float(os.environ.get("SKIFF_ECR_LIFECYCLE_SECONDS", "60")),
            "pull_no_path_seconds": float(os.environ.get("SKIFF_PULL_NO_PATH_SECONDS", "5")),
            "logs_retention_seconds": float(os.environ.get("SKIFF_LOGS_RETENTION_SECONDS", "60")),
            "lb": os.environ.get("SKIFF_LB", "on").strip().lower() not in ("off", "0", "false", "no"),
            "auth": os.environ.get("SKIFF_AUTH", "on").strip().lower() not in ("off", "0", "false", "no"),
            "root_access_key_id": os.environ.get("SKIFF_ROOT_ACCESS_KEY_ID", DEFAULT_ROOT_KEY),
            "root_secret_access_key": os.environ.get("SKIFF_ROOT_SECRET_ACCESS_KEY", DEFAULT_ROOT_KEY),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def instance_id(self) -> str:
        """This server's identity on the Docker host, kept in the data dir (labels every container)."""
        path = self.data_dir / "instance-id"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(8) + "\n")
        return path.read_text().strip()

    @property
    def database_path(self) -> Path:
        return self.data_dir / "skiff.db"
