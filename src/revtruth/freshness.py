"""What the marts are built from, and whether it is fit to build from.

Marts built from a source that never loaded are not empty, they are wrong: without product
data every paying customer is a zombie. So before a build reads the raw schemas, it asks
each enabled source's schema when it last finished loading and how much it holds, from
dlt's own `_dlt_loads` table there (the state lives with the data: a warehouse restored
from a backup says what it holds, whatever a laptop remembers), and refuses, one line per
source, when one has never finished a load, is empty, stopped in the middle of its last
load, or last loaded longer ago than `warehouse.max_source_age_hours`.

Every build is written down in the warehouse too (`revtruth_runs.builds`: when it started,
finished or failed, as of which date, from which load of each source), so reports can say
what they show and warn when a later build failed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from revtruth.config import Settings

RUNS_SCHEMA = "revtruth_runs"
BUILDS_TABLE = "builds"

# The table that says whether a source holds anything: a billing system without customers,
# a CRM without accounts, a product without its first table's rows has nothing to build on.
_ANCHOR_TABLES = {"stripe": "customers", "salesforce": "account", "hubspot": "companies"}


class SourceGuardError(RuntimeError):
    """A build was asked of sources unfit to build from; `reasons` says why, one per source."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


@dataclass(frozen=True)
class SourceLoad:
    """What one source's raw schema holds."""

    system: str
    schema: str
    load_id: str | None  # the newest load dlt finished, None when none ever finished
    loaded_at: datetime | None
    rows: int  # rows of its anchor table (customers, account, the first product table)
    unfinished: bool  # its anchor table holds rows of a load that never finished

    @property
    def age_hours(self) -> float | None:
        if self.loaded_at is None:
            return None
        return (datetime.now(UTC) - self.loaded_at).total_seconds() / 3600


def anchor_table(settings: Settings, system: str) -> str:
    if system == "product_db":
        return settings.sources.product_db.tables[0]
    return _ANCHOR_TABLES[system]


def _pipeline(settings: Settings, dataset: str) -> Any:
    from revtruth.sync import dataset_pipeline

    return dataset_pipeline(settings, dataset)


def _rows(client: Any, sql: str) -> list[tuple] | None:
    """The rows of a query, or None when a relation or column it reads does not exist."""
    from dlt.destinations.exceptions import DatabaseTerminalException

    try:
        return [tuple(row) for row in client.execute_sql(sql) or []]
    except DatabaseTerminalException:  # an undefined relation is one too
        return None


def read_source_load(settings: Settings, system: str) -> SourceLoad:
    schema = settings.warehouse.dataset_name(system)
    empty = SourceLoad(system, schema, None, None, 0, unfinished=False)
    with _pipeline(settings, schema).sql_client() as client:
        if not client.has_dataset():
            return empty
        loads = client.make_qualified_table_name("_dlt_loads")
        anchor = client.make_qualified_table_name(anchor_table(settings, system))
        last = _rows(
            client,
            f"select load_id, inserted_at from {loads} where status = 0 "
            "order by load_id desc limit 1",
        )
        counted = _rows(client, f"select count(*) from {anchor}")
        # None for tables loaded before revtruth gave Arrow tables dlt's load id column
        newest = _rows(client, f"select max(_dlt_load_id) from {anchor}")
    load_id, loaded_at = last[0] if last else (None, None)
    rows = counted[0][0] if counted else 0
    newest_rows = newest[0][0] if newest else None
    if isinstance(loaded_at, datetime) and loaded_at.tzinfo is None:
        loaded_at = loaded_at.replace(tzinfo=UTC)
    return SourceLoad(
        system,
        schema,
        load_id,
        loaded_at,
        int(rows or 0),
        # dlt writes a load's _dlt_loads row once every table of it is in; rows of a newer
        # load than the last finished one are what a killed sync left halfway
        unfinished=newest_rows is not None
        and (load_id is None or float(newest_rows) > float(load_id)),
    )


def read_source_loads(settings: Settings, systems: Sequence[str]) -> list[SourceLoad]:
    return [read_source_load(settings, system) for system in systems]


def refusals(
    loads: Sequence[SourceLoad],
    max_age_hours: float,
    *,
    allow_missing: bool = False,
    allow_stale: bool = False,
) -> list[str]:
    """Why a build should not read these sources, one line per source; empty when it may."""
    reasons = []
    for load in loads:
        sync = f"run `revtruth sync {load.system}`"
        if load.unfinished and not allow_missing:
            reasons.append(
                f"the last sync of {load.system} stopped before it finished ({load.schema} "
                f"holds rows of a load that never completed): {sync}"
            )
        elif load.load_id is None and not allow_missing:
            reasons.append(f"{load.system} has never been synced into {load.schema}: {sync}")
        elif load.rows == 0 and load.load_id is not None and not allow_missing:
            reasons.append(
                f"{load.system} is empty ({load.schema} has no rows in its main table): "
                f"check its settings, then {sync}"
            )
        elif (
            not allow_stale
            and max_age_hours > 0
            and load.age_hours is not None
            and load.age_hours > max_age_hours
        ):
            reasons.append(
                f"{load.system} last loaded {load.age_hours:.1f} h ago, more than "
                f"warehouse.max_source_age_hours ({max_age_hours:g}): {sync}"
            )
    return reasons


# ----------------------------------------------------------------------------- build log


@dataclass(frozen=True)
class BuildRecord:
    build_id: str
    status: str  # started, succeeded, failed
    started_at: datetime
    finished_at: datetime | None
    as_of_date: str
    source_loads: str  # JSON: {system: load_id}
    error: str | None


def new_build(settings: Settings, loads: Sequence[SourceLoad], as_of_date: str) -> BuildRecord:
    return BuildRecord(
        build_id=uuid.uuid4().hex,
        status="started",
        started_at=datetime.now(UTC),
        finished_at=None,
        as_of_date=as_of_date,
        source_loads=json.dumps({load.system: load.load_id for load in loads}, sort_keys=True),
        error=None,
    )


def write_build(settings: Settings, record: BuildRecord) -> None:
    """Upsert the build's row in `revtruth_runs.builds` (merge on build_id)."""
    import dlt

    rows = [
        {
            "build_id": record.build_id,
            "status": record.status,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "as_of_date": record.as_of_date,
            "source_loads": record.source_loads,
            "error": record.error,
        }
    ]
    resource = dlt.resource(
        rows,
        name=BUILDS_TABLE,
        write_disposition="merge",
        primary_key="build_id",
        columns={
            "finished_at": {"data_type": "timestamp", "nullable": True},
            "error": {"data_type": "text", "nullable": True},
        },
    )
    _pipeline(settings, RUNS_SCHEMA).run(resource)


def read_builds(connection: Any, limit: int = 20) -> list[BuildRecord]:
    """The newest builds first, from a DuckDB connection to the warehouse (reports)."""
    try:
        rows = connection.execute(
            f"select build_id, status, started_at, finished_at, as_of_date, source_loads, "
            f"error from {RUNS_SCHEMA}.{BUILDS_TABLE} order by started_at desc limit {limit}"
        ).fetchall()
    except Exception:  # noqa: BLE001 - a warehouse built before builds were logged
        return []
    return [BuildRecord(*row) for row in rows]


# ----------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class Freshness:
    """What a report shows: one line, and warnings that say why it may be wrong."""

    line: str
    warnings: list[str]


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


def _aware(moment: datetime | None) -> datetime | None:
    if isinstance(moment, datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _finished_loads(connection: Any, schema: str) -> dict[str, datetime]:
    try:
        rows = connection.execute(
            f"select load_id, inserted_at from {schema}._dlt_loads where status = 0"
        ).fetchall()
    except Exception:  # noqa: BLE001 - a source never synced has no such table
        return {}
    return {load_id: _aware(at) for load_id, at in rows}


def read_freshness(connection: Any, settings: Settings) -> Freshness:
    """From a DuckDB connection to the warehouse: which build the marts are from, from
    which loads, and whether a later build failed, a source is too old, or newer data
    waits for a build."""
    builds = read_builds(connection)
    done = next((b for b in builds if b.status == "succeeded"), None)
    warnings = []
    for later in builds:
        if done is not None and _aware(later.started_at) <= _aware(done.started_at):
            break
        if later.status == "failed":
            warnings.append(
                f"the build started {_when(_aware(later.started_at))} failed ({later.error}); "
                + (
                    f"these are the marts of the build of {_when(_aware(done.finished_at))}"
                    if done
                    else "no build has succeeded, the marts may be missing or partial"
                )
            )
        elif later.status == "started":
            warnings.append(
                f"the build started {_when(_aware(later.started_at))} never finished (it was "
                "stopped); some marts may be from it and others from the build before"
            )
        if warnings:
            break
    if done is None:
        return Freshness("No finished build is recorded in this warehouse.", warnings)
    max_age = settings.warehouse.max_source_age_hours
    sources = []
    for system, load_id in sorted(json.loads(done.source_loads).items()):
        loads = _finished_loads(connection, settings.warehouse.dataset_name(system))
        loaded_at = loads.get(load_id) if load_id else None
        if loaded_at is None:
            sources.append(system)
        elif loaded_at.date() == _aware(done.finished_at).date():
            sources.append(f"{system} at {loaded_at.astimezone(UTC):%H:%M}")
        else:
            sources.append(f"{system} at {_when(loaded_at)}")
        if loaded_at and max_age > 0:
            age = (datetime.now(UTC) - loaded_at).total_seconds() / 3600
            if age > max_age:
                warnings.append(
                    f"{system} data is {age:.1f} h old, more than "
                    f"warehouse.max_source_age_hours ({max_age:g}): run `revtruth sync`"
                )
        newer = [other for other in loads if load_id is None or float(other) > float(load_id)]
        if newer:
            warnings.append(
                f"{system} was synced again after this build: run `revtruth build` to see it"
            )
    line = (
        f"Marts built {_when(_aware(done.finished_at))} as of {done.as_of_date}, from the "
        "loads of " + ", ".join(sources) + "."
    )
    return Freshness(line, warnings)
