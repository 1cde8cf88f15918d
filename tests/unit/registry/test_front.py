"""The front's rules that need no registry: tag mutability and exclusion filters, error bodies."""

from __future__ import annotations

import json

from skiff.registry.front import registry_error, repository_missing, tag_is_immutable


def test_mutability_with_exclusion_filters() -> None:
    filters = [{"filterType": "WILDCARD", "filter": "latest*"}]
    assert tag_is_immutable({"imageTagMutability": "IMMUTABLE"}, "latest")
    assert not tag_is_immutable({"imageTagMutability": "MUTABLE"}, "v1")
    assert not tag_is_immutable({}, "v1")
    exclusions = {
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": filters,
    }
    assert tag_is_immutable(exclusions, "v1") and not tag_is_immutable(exclusions, "latest-dev")
    exclusions["imageTagMutability"] = "MUTABLE_WITH_EXCLUSION"
    assert not tag_is_immutable(exclusions, "v1") and tag_is_immutable(exclusions, "latest")


def test_errors_are_distribution_shaped() -> None:
    reply = repository_missing("app", "123456789012")
    assert reply.status == 404 and reply.text is not None
    (error,) = json.loads(reply.text)["errors"]
    assert error["code"] == "NAME_UNKNOWN"
    assert (
        error["message"]
        == "The repository with name 'app' does not exist in the registry with id '123456789012'"
    )
    assert registry_error(401, "UNAUTHORIZED", "x", {"WWW-Authenticate": "Basic"}).headers["WWW-Authenticate"]
