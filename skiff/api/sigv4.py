"""Reading the SigV4 credential scope: who signed, for which region and service.

skiff does not verify signatures yet (any keys are accepted, as on a local emulator); it uses
the scope to route the request and to pick the region, and records the access key id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skiff.api.http import HttpRequest

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")
_QUERY_CREDENTIAL = re.compile(r"^([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request$")


@dataclass(frozen=True)
class CredentialScope:
    access_key_id: str
    date: str
    region: str
    service: str


def credential_scope(request: HttpRequest) -> CredentialScope | None:
    """The scope from the Authorization header, or from a presigned URL's X-Amz-Credential."""
    auth = request.header("authorization")
    if auth:
        match = _CREDENTIAL.search(auth)
        if match:
            return CredentialScope(*match.groups())
        return None
    if "X-Amz-Credential" in request.query_string:
        for key, value in request.query:
            if key == "X-Amz-Credential":
                match = _QUERY_CREDENTIAL.match(value)
                if match:
                    return CredentialScope(*match.groups())
    return None
