"""GetRandomPassword: AWS's character classes and options, from the operating system's CSPRNG.

Classes are upper- and lowercase ASCII letters, digits and the 32 ASCII punctuation characters;
a space joins the pool only when asked. With RequireEachIncludedType (the default), every class
left after the exclusions appears at least once.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from skiff.services.secretsmanager.exceptions import invalid_parameter

DEFAULT_LENGTH = 32
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def random_password(params: dict[str, Any]) -> str:
    length = int(params.get("PasswordLength") or DEFAULT_LENGTH)
    excluded = set(params.get("ExcludeCharacters") or "")
    classes: list[str] = []
    for option, members in (
        ("ExcludeLowercase", string.ascii_lowercase),
        ("ExcludeUppercase", string.ascii_uppercase),
        ("ExcludeNumbers", string.digits),
        ("ExcludePunctuation", PUNCTUATION),
    ):
        if not params.get(option):
            kept = "".join(c for c in members if c not in excluded)
            if kept:
                classes.append(kept)
    pool = "".join(classes)
    if params.get("IncludeSpace") and " " not in excluded:
        pool += " "
    if not pool:
        raise invalid_parameter("The password can't be generated because every character is excluded.")
    required = classes if params.get("RequireEachIncludedType", True) else []
    if length < len(required):
        raise invalid_parameter("Password length is too short based on the required types.")
    chars = [secrets.choice(chosen) for chosen in required]
    chars.extend(secrets.choice(pool) for _ in range(length - len(chars)))
    shuffled: list[str] = []
    while chars:
        shuffled.append(chars.pop(secrets.randbelow(len(chars))))
    return "".join(shuffled)
