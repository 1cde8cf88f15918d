"""Secret values and their versions: put, get, resolve, list version ids, move staging labels.

A new value is a new version; by default it takes AWSCURRENT, and AWSPREVIOUS goes to the
version that had AWSCURRENT. `ClientRequestToken` is the version id: repeating a request with the
same token and value changes nothing, the same token with another value is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from skiff.services.pagination import BadToken, paginate
from skiff.services.secretsmanager.exceptions import (
    invalid_next_token,
    invalid_parameter,
    invalid_request,
    stage_not_found,
    version_exists,
    version_not_found,
)
from skiff.services.secretsmanager.records import SecretRecords, SecretValue
from skiff.services.secretsmanager.stages import (
    CURRENT,
    holder,
    move_stages,
    newest_first,
    remove_stage,
)
from skiff.state.scope import Scope
from skiff.store.base import Document

Params = dict[str, Any]


def select_version(doc: Document, version_id: str | None, version_stage: str | None) -> str:
    """The version a request means: by id, else by stage (AWSCURRENT when neither is given)."""
    versions: dict[str, Document] = doc.get("Versions", {})
    if version_id is not None:
        if version_id not in versions:
            raise version_not_found(version_id)
        if version_stage is not None and version_stage not in versions[version_id]["Stages"]:
            raise invalid_request(
                "You provided a VersionStage that is not associated to the provided VersionId."
            )
        return version_id
    stage = version_stage or CURRENT
    found = holder(versions, stage)
    if found is None:
        raise stage_not_found(stage)
    return found


class SecretValues:
    def __init__(self, records: SecretRecords) -> None:
        self.records = records

    def new_version(
        self, doc: Document, token: str | None, value: SecretValue, stages: list[str], now: dt.datetime
    ) -> str:
        """Store `value` as a new version carrying `stages` (or accept a repeated request)."""
        version_id = token or str(uuid.uuid4())
        versions: dict[str, Document] = doc.setdefault("Versions", {})
        if version_id in versions:
            if self.records.open_value(doc, version_id) != value:
                raise version_exists()
            return version_id
        self.records.add_version(doc, version_id, value, now)
        move_stages(versions, version_id, stages)
        self.records.prune(doc)
        doc["LastChangedDate"] = now
        return version_id

    def put(self, scope: Scope, params: Params) -> Document:
        value = SecretValue.from_params(params)
        if value is None:
            raise invalid_request("You must provide either SecretString or SecretBinary.")
        with self.records.store.transaction():
            doc = self.records.require_live(scope, params["SecretId"])
            stages = list(params.get("VersionStages") or [CURRENT])
            version_id = self.new_version(
                doc, params.get("ClientRequestToken"), value, stages, self.records.now()
            )
            self.records.save(doc)
        return {
            "ARN": doc["ARN"],
            "Name": doc["Name"],
            "VersionId": version_id,
            "VersionStages": list(doc["Versions"][version_id]["Stages"]),
        }

    def get(
        self, scope: Scope, secret_id: str, version_id: str | None = None, version_stage: str | None = None
    ) -> Document:
        """GetSecretValue's reply. Secrets scheduled for deletion are refused."""
        doc = self.records.require_live(scope, secret_id)
        chosen = select_version(doc, version_id, version_stage)
        value = self.records.open_value(doc, chosen)
        self._touch(doc)
        entry = doc["Versions"][chosen]
        return {
            "ARN": doc["ARN"],
            "Name": doc["Name"],
            "VersionId": chosen,
            **value.output(),
            "VersionStages": list(entry["Stages"]),
            "CreatedDate": entry["CreatedDate"],
        }

    def resolve(
        self, scope: Scope, secret_id: str, version_stage: str | None, version_id: str | None
    ) -> tuple[str | None, bytes | None]:
        """The value as the ECS task runtime needs it: (string, None) or (None, bytes)."""
        doc = self.records.require_live(scope, secret_id)
        chosen = select_version(doc, version_id, version_stage)
        value = self.records.open_value(doc, chosen)
        self._touch(doc)
        return value.string, value.binary

    def _touch(self, doc: Document) -> None:
        """AWS records the day (not the time) a secret was last read."""
        today = self.records.now().replace(hour=0, minute=0, second=0, microsecond=0)
        if doc.get("LastAccessedDate") != today:
            doc["LastAccessedDate"] = today
            self.records.save(doc)

    def list_version_ids(self, scope: Scope, params: Params) -> Document:
        doc = self.records.require(scope, params["SecretId"])
        versions: dict[str, Document] = doc.get("Versions", {})
        ids = newest_first(versions, include_deprecated=bool(params.get("IncludeDeprecated")))
        try:
            page, token = paginate(
                ids,
                lambda vid: int(versions[vid]["Seq"]),
                int(params.get("MaxResults") or 100),
                params.get("NextToken"),
                descending=True,
            )
        except BadToken as exc:
            raise invalid_next_token() from exc
        entries = []
        for vid in page:
            entry = versions[vid]
            item: Document = {
                "VersionId": vid,
                "CreatedDate": entry["CreatedDate"],
                "KmsKeyIds": [entry.get("KmsKeyId") or "DefaultEncryptionKey"],
            }
            if entry["Stages"]:
                item["VersionStages"] = list(entry["Stages"])
            entries.append(item)
        return {"Versions": entries, "NextToken": token, "ARN": doc["ARN"], "Name": doc["Name"]}

    def update_stage(self, scope: Scope, params: Params) -> Document:
        stage: str = params["VersionStage"]
        move_to: str | None = params.get("MoveToVersionId")
        remove_from: str | None = params.get("RemoveFromVersionId")
        with self.records.store.transaction():
            doc = self.records.require_live(scope, params["SecretId"])
            versions: dict[str, Document] = doc.get("Versions", {})
            for version_id in (move_to, remove_from):
                if version_id is not None and version_id not in versions:
                    raise version_not_found(version_id)
            owner = holder(versions, stage)
            if remove_from is not None and owner != remove_from:
                raise invalid_parameter(
                    f"The staging label {stage} is not currently attached to version {remove_from}."
                )
            if move_to is not None:
                if owner is not None and owner != move_to and remove_from is None:
                    raise invalid_parameter(
                        f"The parameter RemoveFromVersionId can't be empty. Staging label {stage} is "
                        f"currently attached to version {owner}, so you must explicitly reference that "
                        "version in RemoveFromVersionId."
                    )
                move_stages(versions, move_to, [stage])
            elif remove_from is not None:
                if stage == CURRENT:
                    raise invalid_parameter(
                        "You can't remove the staging label AWSCURRENT from a version without moving it "
                        "to another version with MoveToVersionId."
                    )
                remove_stage(versions, remove_from, stage)
            else:
                raise invalid_parameter("You must specify MoveToVersionId, RemoveFromVersionId, or both.")
            doc["LastChangedDate"] = self.records.now()
            self.records.save(doc)
        return {"ARN": doc["ARN"], "Name": doc["Name"]}
