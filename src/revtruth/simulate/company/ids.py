"""Deterministic ids in each system's own form, drawn from the generator's random stream."""

from __future__ import annotations

import random
import string
import uuid

_BASE62 = string.digits + string.ascii_letters
_SF_SUFFIX = string.ascii_uppercase + "012345"


def stripe_id(rng: random.Random, prefix: str) -> str:
    """`cus_`, `sub_`, `price_`…: Stripe ids are a prefix and 14–24 base62 characters."""
    return f"{prefix}_" + "".join(rng.choice(_BASE62) for _ in range(14))


def salesforce_id(rng: random.Random, key_prefix: str) -> str:
    """An 18-character Salesforce id: 3-char key prefix, 12 random chars, 3-char case checksum."""
    return id18(key_prefix + "5g0" + "".join(rng.choice(_BASE62) for _ in range(9)))


def id18(id15: str) -> str:
    """Append Salesforce's case-safe checksum to a 15-character id.

    Each block of five characters gives one letter whose bits say which of them are upper
    case, so ids survive case-insensitive systems.
    """
    suffix = ""
    for block in range(3):
        bits = 0
        for position, char in enumerate(id15[block * 5 : block * 5 + 5]):
            if char.isupper():
                bits |= 1 << position
        suffix += _SF_SUFFIX[bits]
    return id15 + suffix


def uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
