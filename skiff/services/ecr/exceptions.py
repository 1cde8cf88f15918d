"""The ECR errors skiff raises, by modelled shape name, with ECR's own texts (reference §11)."""

from __future__ import annotations

from typing import Any

from skiff.api.errors import AwsError


def repository_not_found(name: str, account: str) -> AwsError:
    return AwsError(
        f"The repository with name '{name}' does not exist in the registry with id '{account}'",
        code="RepositoryNotFoundException",
    )


def repository_exists(name: str, account: str) -> AwsError:
    return AwsError(
        f"The repository with name '{name}' already exists in the registry with id '{account}'",
        code="RepositoryAlreadyExistsException",
    )


def repository_not_empty(name: str, account: str) -> AwsError:
    return AwsError(
        f"The repository with name '{name}' in registry with id '{account}' cannot be deleted because it "
        "still contains images",
        code="RepositoryNotEmptyException",
    )


def image_id_text(image_id: dict[str, Any]) -> str:
    digest, tag = image_id.get("imageDigest"), image_id.get("imageTag")
    return f"{{imageDigest:'{digest or 'null'}', imageTag:'{tag or 'null'}'}}"


def image_not_found(image_id: dict[str, Any], name: str, account: str) -> AwsError:
    return AwsError(
        f"The image with imageId {image_id_text(image_id)} does not exist within the repository with name "
        f"'{name}' in the registry with id '{account}'",
        code="ImageNotFoundException",
    )


def invalid_parameter(message: str) -> AwsError:
    return AwsError(message, code="InvalidParameterException")


def lifecycle_policy_not_found(name: str, account: str) -> AwsError:
    return AwsError(
        f"Lifecycle policy does not exist for the repository with name '{name}' in the registry with id "
        f"'{account}'",
        code="LifecyclePolicyNotFoundException",
    )


def repository_policy_not_found(name: str, account: str) -> AwsError:
    return AwsError(
        f"Repository policy does not exist for the repository with name '{name}' in the registry with id "
        f"'{account}'",
        code="RepositoryPolicyNotFoundException",
    )


def invalid_lifecycle_policy(reason: str) -> AwsError:
    return invalid_parameter(
        "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: "
        f"'Lifecycle policy validation failure: {reason}'"
    )


def too_many_tags() -> AwsError:
    return AwsError("A resource may have at most 50 tags.", code="TooManyTagsException")


def invalid_tag(message: str) -> AwsError:
    return AwsError(message, code="InvalidTagParameterException")
