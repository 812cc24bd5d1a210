"""`revtruth build`: the dbt project in two halves with identity resolution between them.

First the sources are checked (`revtruth.freshness`): a build refuses to read a source
that has never finished a load, is empty, stopped halfway or is too old, as marts built
from it would be wrong, not empty. Then the first half builds what identity resolution
reads (staging and the identity input models); `revtruth.identity.resolve` finds the
companies and writes them to the schema `identity`; the second half builds everything, the
marts reading those companies. A build of a selection (`--select`) runs dbt alone and uses
the companies already in the warehouse. Each build is written down in
`revtruth_runs.builds`, started, then succeeded or failed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from revtruth.config import Settings
from revtruth.freshness import (
    SourceGuardError,
    SourceLoad,
    new_build,
    read_source_loads,
    refusals,
    write_build,
)
from revtruth.identity import IdentitySummary, resolve
from revtruth.sync import enabled_systems
from revtruth.transform import build as dbt_build
from revtruth.warehouse import WarehouseError, publish_snapshot, warehouse_lock

# The identity input models, and everything they read.
IDENTITY_INPUTS = (
    "+int_identity_edges +int_identity_people +int_identity_domain_pairs +int_identity_regions"
)


@dataclass
class BuildResult:
    identity: IdentitySummary | None
    dbt: Any
    sources: list[SourceLoad] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)


def build(
    settings: Settings,
    select: str | None = None,
    *,
    allow_missing: bool = False,
    allow_stale: bool = False,
) -> BuildResult:
    """Build the warehouse: all of it (with identity resolution), or a dbt selection.
    Raises `SourceGuardError` before touching a model when a source is unfit to build from
    (unless allowed)."""
    with warehouse_lock(settings):
        loads = read_source_loads(settings, enabled_systems(settings))
        reasons = refusals(
            loads,
            settings.warehouse.max_source_age_hours,
            allow_missing=allow_missing,
            allow_stale=allow_stale,
        )
        if reasons:
            raise SourceGuardError(reasons)
        record = new_build(settings, loads, settings.metrics.resolved_as_of_date().isoformat())
        write_build(settings, record)
        try:
            if select:
                result = BuildResult(None, dbt_build(settings, select), loads)
            else:
                dbt_build(settings, IDENTITY_INPUTS)
                identity = resolve(settings)
                result = BuildResult(identity, dbt_build(settings), loads)
        except BaseException as exc:
            failed = dataclasses.replace(
                record,
                status="failed",
                finished_at=datetime.now(UTC),
                error=(str(exc).splitlines() or [type(exc).__name__])[0][:500],
            )
            write_build(settings, failed)
            raise
        write_build(
            settings,
            dataclasses.replace(record, status="succeeded", finished_at=datetime.now(UTC)),
        )
        try:
            publish_snapshot(settings)
        except WarehouseError as exc:  # built all the same; reports read the warehouse itself
            result.warnings.append(str(exc))
        return result
