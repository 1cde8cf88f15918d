"""The SSM Parameter Store errors skiff raises, by modelled shape name, with AWS's own texts.

No message ever carries a parameter value.
"""

from __future__ import annotations

from skiff.api.errors import AwsError


def parameter_not_found(message: str = "") -> AwsError:
    """AWS answers GetParameter/DeleteParameter for a missing name with an empty message."""
    return AwsError(message, code="ParameterNotFound")


def version_not_found(selector: str, name: str) -> AwsError:
    return AwsError(
        f"Systems Manager could not find version {selector} of {name}. Verify the version and try again.",
        code="ParameterVersionNotFound",
    )


def already_exists() -> AwsError:
    return AwsError(
        "The parameter already exists. To overwrite this value, set the overwrite option in the request to "
        "true.",
        code="ParameterAlreadyExists",
    )


def validation(message: str) -> AwsError:
    return AwsError(message, code="ValidationException")


def access_denied(message: str) -> AwsError:
    return AwsError(message, code="AccessDeniedException")


def invalid_filter_key(message: str) -> AwsError:
    return AwsError(message, code="InvalidFilterKey")


def invalid_filter_option(message: str) -> AwsError:
    return AwsError(message, code="InvalidFilterOption")


def invalid_filter_value(message: str) -> AwsError:
    return AwsError(message, code="InvalidFilterValue")


def invalid_next_token() -> AwsError:
    return AwsError("The specified token isn't valid.", code="InvalidNextToken")


def pattern_mismatch(pattern: str) -> AwsError:
    return AwsError(
        f"Parameter value, cannot be validated against allowedPattern: {pattern}",
        code="ParameterPatternMismatchException",
    )


def invalid_allowed_pattern(pattern: str) -> AwsError:
    return AwsError(
        f"The allowed pattern {pattern} is not a valid regular expression.",
        code="InvalidAllowedPatternException",
    )


def hierarchy_too_deep() -> AwsError:
    return AwsError(
        "A hierarchy can have a maximum of 15 levels. For more information, see "
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-organize.html",
        code="HierarchyLevelLimitExceededException",
    )


def label_limit() -> AwsError:
    return AwsError(
        "A parameter version can have maximum 10 labels."
        "Move one or more labels to another version and try again.",
        code="ParameterVersionLabelLimitExceeded",
    )


def max_versions(name: str, version: int) -> AwsError:
    return AwsError(
        f"You attempted to create a new version of {name} by calling the PutParameter API with the overwrite "
        f"flag. Version {version}, the oldest version, can't be deleted because it has a label associated "
        "with it. Move the label to another version of the parameter, and try again.",
        code="ParameterMaxVersionLimitExceeded",
    )


def invalid_resource_type() -> AwsError:
    return AwsError("Invalid Resource Type", code="InvalidResourceType")


def invalid_resource_id() -> AwsError:
    return AwsError("Invalid Resource Id", code="InvalidResourceId")


def too_many_tags() -> AwsError:
    return AwsError("You can't assign more than 50 tags to a parameter.", code="TooManyTagsError")
