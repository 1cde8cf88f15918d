"""Parameter names, ARNs, `name:version` / `name:label` selectors and label rules.

A name without a hierarchy is one parameter with or without its leading slash (`x` and `/x`);
`key_of` gives the form stored. The ARN of `/a/b` is `arn:aws:ssm:<region>:<acct>:parameter/a/b`
(no double slash), of `x` `...:parameter/x`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from skiff.services.ssm.exceptions import access_denied, hierarchy_too_deep, validation
from skiff.state.scope import Scope

_CHARS = re.compile(r"^[a-zA-Z0-9_.\-/]+$")
_LABEL = re.compile(r"^[a-zA-Z0-9_.\-]{1,100}$")
MAX_LEVELS = 15
RESERVED_PREFIX = 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).'
INVALID_NAME = (
    'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist '
    "of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the "
    "following 3 symbols .-_"
)
INVALID_PATH = (
    "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a "
    'forward slash "/". It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only '
    "letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters "
    'are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". '
    "Valid example: /get/parameters2-/by1./path0_."
)


class Reference(NamedTuple):
    """What a GetParameter name names: the parameter, an optional selector, and the ARN's scope."""

    name: str
    selector: str | None
    scope: Scope | None


def key_of(name: str) -> str:
    """The stored form: one-level names lose their leading slash."""
    stripped = name[1:] if name.startswith("/") else name
    return name if "/" in stripped else stripped


def path_form(name: str) -> str:
    """The name as a path, for hierarchy queries: `x` -> `/x`."""
    return name if name.startswith("/") else "/" + name


def parameter_arn(scope: Scope, name: str) -> str:
    return f"arn:aws:ssm:{scope.region}:{scope.account}:parameter{path_form(key_of(name))}"


def check_name(name: str) -> None:
    """PutParameter's name rules, with AWS's errors."""
    lowered = name.lower()
    bare = lowered[1:] if lowered.startswith("/") else lowered
    is_path = "/" in bare
    if bare.startswith(("aws", "ssm")):
        if is_path and bare.startswith("aws"):
            raise access_denied(f"No access to reserved parameter name: {name}.")
        raise validation(INVALID_NAME if is_path else RESERVED_PREFIX)
    if is_path and not name.startswith("/"):
        raise validation("Parameter name must be a fully qualified name.")
    if not _CHARS.match(name) or "//" in name or (is_path and name.endswith("/")):
        raise validation(INVALID_NAME)
    if name.count("/") > MAX_LEVELS:
        raise hierarchy_too_deep()


def check_path(path: str, *, allow_reserved: bool = False) -> None:
    """A hierarchy path as GetParametersByPath (public `/aws/...` allowed) and the Path filter take it."""
    reserved = path[1:].lower().startswith(("aws", "ssm"))
    if (
        not path.startswith("/")
        or "//" in path
        or not _CHARS.match(path)
        or (reserved and not allow_reserved)
    ):
        raise validation(INVALID_PATH)


def in_path(name: str, path: str, recursive: bool) -> bool:
    """Whether the parameter `name` lies under `path` (directly unless `recursive`)."""
    prefix = path if path.endswith("/") else path + "/"
    full = path_form(key_of(name))
    if not full.startswith(prefix):
        return False
    return recursive or "/" not in full[len(prefix) :]


def parse_reference(text: str) -> Reference:
    """`name`, `name:3`, `name:label`, or the same with the parameter's ARN for the name."""
    scope: Scope | None = None
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[2] != "ssm" or not parts[5].startswith("parameter/"):
            return Reference(text, None, None)
        scope = Scope(parts[4], parts[3])
        text = parts[5][len("parameter") :]
    name, sep, selector = text.partition(":")
    return Reference(name, selector if sep else None, scope)


def valid_label(label: str) -> bool:
    """Labels use letters, digits, `.`, `-`, `_`; not starting with a digit, `aws` or `ssm`."""
    lowered = label.lower()
    return bool(_LABEL.match(label)) and not label[0].isdigit() and not lowered.startswith(("aws", "ssm"))
