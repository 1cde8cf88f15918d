"""Lifecycle rule evaluation: priorities, selection once per image, counts and ages."""

from __future__ import annotations

import datetime as dt
import json

from skiff.services.ecr.lifecycle import expired_images, parse_policy

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def image(digest: str, days_old: int, *tags: str) -> dict[str, object]:
    return {
        "imageDigest": digest,
        "imageTags": list(tags),
        "imagePushedAt": NOW - dt.timedelta(days=days_old),
    }


def rules(*selections: dict[str, object]) -> list[dict[str, object]]:
    listed = [
        {"rulePriority": i + 1, "selection": s, "action": {"type": "expire"}}
        for i, s in enumerate(selections)
    ]
    return parse_policy(json.dumps({"rules": listed}))


def test_untagged_beyond_a_count_and_tagged_by_age() -> None:
    images = [image("a", 9), image("b", 5), image("c", 1), image("d", 30, "prod-1"), image("e", 2, "prod-2")]
    policy = rules(
        {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1},
        {"tagStatus": "tagged", "tagPrefixList": ["prod"], "countType": "sinceImagePushed",
         "countUnit": "days", "countNumber": 7},
    )  # fmt: skip
    expired = [str(i["imageDigest"]) for i in expired_images(policy, images, NOW)]
    assert sorted(expired) == ["a", "b", "d"]


def test_an_image_selected_by_an_earlier_rule_is_never_expired_by_a_later_one() -> None:
    images = [image("old", 50, "keep-1"), image("new", 1, "x")]
    policy = rules(
        {
            "tagStatus": "tagged",
            "tagPatternList": ["keep-*"],
            "countType": "imageCountMoreThan",
            "countNumber": 5,
        },
        {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 10},
    )
    assert expired_images(policy, images, NOW) == []
