"""`revtruth build`: the dbt project in two halves with identity resolution between them.

The first half builds what identity resolution reads (staging and the identity input
models); `revtruth.identity.resolve` finds the companies and writes them to the schema
`identity`; the second half builds everything, the marts reading those companies. A build
of a selection (`--select`) runs dbt alone and uses the companies already in the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from revtruth.config import Settings
from revtruth.identity import IdentitySummary, resolve
from revtruth.transform import build as dbt_build

# The identity input models, and everything they read.
IDENTITY_INPUTS = (
    "+int_identity_edges +int_identity_people +int_identity_domain_pairs +int_identity_regions"
)


@dataclass
class BuildResult:
    identity: IdentitySummary | None
    dbt: Any


def build(settings: Settings, select: str | None = None) -> BuildResult:
    """Build the warehouse: all of it (with identity resolution), or a dbt selection."""
    if select:
        return BuildResult(identity=None, dbt=dbt_build(settings, select))
    dbt_build(settings, IDENTITY_INPUTS)
    identity = resolve(settings)
    return BuildResult(identity=identity, dbt=dbt_build(settings))
