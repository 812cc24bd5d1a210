"""`revtruth sync`: run each enabled source's dlt pipeline into the warehouse.

One dlt pipeline per system (`revtruth_stripe` → `raw_stripe`, …), parquet loader files,
pipeline state kept next to the warehouse. A source that fails does not stop the others;
the summary says what loaded, what was quarantined and what failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

import revtruth.sources  # noqa: F401  (sets dlt's no-telemetry default before dlt loads)
from revtruth.config import Secret, Settings, redact, reveal_table
from revtruth.sources.quarantine import QUARANTINE_TABLE
from revtruth.warehouse import WarehouseError, publish_snapshot, warehouse_lock

SYSTEMS = ("stripe", "salesforce", "product_db", "hubspot")


class SyncError(RuntimeError):
    pass


@dataclass
class SourceResult:
    system: str
    rows_by_table: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0
    seconds: float = 0.0
    error: str | None = None
    recovered: bool = False  # it first finished loading what an interrupted sync left
    warnings: list[str] = field(default_factory=list)  # loaded, but something is missing
    notes: list[str] = field(default_factory=list)  # how it was read

    @property
    def rows(self) -> int:
        return sum(n for table, n in self.rows_by_table.items() if not table.startswith("_"))


@dataclass
class SyncSummary:
    results: list[SourceResult]
    warnings: list[str] = field(default_factory=list)  # about the warehouse, not a source

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if r.error]

    @property
    def quarantined(self) -> int:
        return sum(r.quarantined for r in self.results)


def _reveal(secret: Secret | None) -> str | None:
    return secret.reveal() if secret else None


def build_source(settings: Settings, system: str) -> Any:
    """The dlt source for one system, configured from settings (secrets revealed here only)."""
    sources = settings.sources
    if system == "stripe":
        from revtruth.sources.stripe import stripe_source

        stripe = sources.stripe
        if not stripe.api_key:
            raise SyncError("Stripe needs an API key: set REVTRUTH_SOURCES__STRIPE__API_KEY")
        return stripe_source(
            api_key=stripe.api_key.reveal(),
            base_url=stripe.base_url,
            page_size=stripe.page_size,
            max_network_retries=stripe.max_network_retries,
            timeout_seconds=stripe.timeout_seconds,
            full_relist_days=stripe.full_relist_days,
        )
    if system == "salesforce":
        from revtruth.sources.salesforce import salesforce_source

        sf = sources.salesforce
        return salesforce_source(
            login_url=sf.login_url,
            instance_url=sf.instance_url or None,
            api_version=sf.api_version,
            ca_bundle=sf.ca_bundle or None,
            objects=list(sf.objects),
            client_id=_reveal(sf.client_id),
            client_secret=_reveal(sf.client_secret),
            username=_reveal(sf.username),
            password=_reveal(sf.password),
            security_token=_reveal(sf.security_token),
            session_id=_reveal(sf.session_id),
            api_budget_share=sf.api_budget_share,
            timeout_seconds=sf.timeout_seconds,
        )
    if system == "product_db":
        from revtruth.sources.product_db import product_db, with_timeouts

        db = sources.product_db
        if not db.url:
            raise SyncError(
                "the product database needs a URL: set REVTRUTH_SOURCES__PRODUCT_DB__URL"
            )
        return product_db(
            url=with_timeouts(db.url.reveal(), db.timeout_seconds),
            schema=db.schema,
            tables=list(db.tables),
            chunk_rows=db.chunk_rows,
            cursor_lookback=db.cursor_lookback,
            document_fields=dict(db.document_fields) or None,
        )
    if system == "hubspot":
        from revtruth.sources.hubspot import hubspot_source

        hub = sources.hubspot
        if not hub.access_token:
            raise SyncError(
                "HubSpot needs a private app's access token: set "
                "REVTRUTH_SOURCES__HUBSPOT__ACCESS_TOKEN"
            )
        return hubspot_source(
            access_token=hub.access_token.reveal(),
            base_url=hub.base_url,
            retries=hub.retries,
            timeout_seconds=hub.timeout_seconds,
        )
    raise SyncError(f"unknown source {system!r}: choose from {', '.join(SYSTEMS)}")


def destination_for(settings: Settings) -> Any:
    import dlt
    from dlt.common.destination import Destination

    warehouse = settings.warehouse
    if warehouse.is_duckdb:
        warehouse.resolved_path.parent.mkdir(parents=True, exist_ok=True)
        return dlt.destinations.duckdb(str(warehouse.resolved_path))
    credentials = reveal_table(warehouse.credentials) or None
    return Destination.from_reference(warehouse.destination, credentials=credentials)


def pipelines_dir(settings: Settings) -> Path:
    """dlt's local working folder; the state that matters also lives in the warehouse."""
    return settings.base_dir / ".revtruth" / "dlt"


def dataset_pipeline(settings: Settings, dataset: str) -> Any:
    """A dlt pipeline on one schema of the warehouse, for revtruth's own reads and writes
    there (identity's inputs and results, the build log, the sources' load records): any
    destination sync loads into, through dlt's SQL client."""
    import dlt

    _quiet_dlt()
    return dlt.pipeline(
        pipeline_name=f"revtruth_{dataset}",
        destination=destination_for(settings),
        dataset_name=dataset,
        pipelines_dir=str(pipelines_dir(settings)),
    )


def enabled_systems(settings: Settings, requested: Sequence[str] | None = None) -> list[str]:
    if requested:
        unknown = [s for s in requested if s not in SYSTEMS]
        if unknown:
            raise SyncError(
                f"unknown source(s) {', '.join(unknown)}: choose from {', '.join(SYSTEMS)}"
            )
        return list(requested)
    return [s for s in SYSTEMS if getattr(settings.sources, s).enabled]


def systems_to_sync(settings: Settings, requested: Sequence[str] | None = None) -> list[str]:
    """The systems a sync reads; none at all is a mistake, not an empty success."""
    systems = enabled_systems(settings, requested)
    if not systems:
        raise SyncError(
            "no source is enabled: set sources.stripe.enabled, sources.salesforce.enabled "
            "or sources.product_db.enabled to true"
        )
    return systems


def _quiet_dlt() -> None:
    # dlt warns about every all-null column of every load; the summary says what matters.
    logging.getLogger("dlt").setLevel(logging.ERROR)


def sync(
    settings: Settings,
    systems: Sequence[str] | None = None,
    *,
    on_progress: Callable[[str, str], None] | None = None,
) -> SyncSummary:
    """Sync each system in turn under the warehouse lock. Never raises for one source's
    failure: it is recorded in the summary and the next source runs."""
    import dlt

    _quiet_dlt()
    notify = on_progress or (lambda system, stage: None)
    results = []
    with warehouse_lock(settings):
        destination = destination_for(settings)
        for system in systems_to_sync(settings, systems):
            result = SourceResult(system)
            started = perf_counter()
            notify(system, "extracting")
            try:
                pipeline = dlt.pipeline(
                    pipeline_name=f"revtruth_{system}",
                    destination=destination,
                    dataset_name=settings.warehouse.dataset_name(system),
                    pipelines_dir=str(pipelines_dir(settings)),
                )
                if pipeline.has_pending_data:
                    # a sync killed after extracting left load packages: dlt's run() would
                    # load only those and skip this sync's fresh data, so finish them first
                    pipeline.normalize()
                    pipeline.load()
                    result.recovered = True
                pipeline = _with_the_warehouse_state(pipeline)
                pipeline.run(build_source(settings, system), loader_file_format="parquet")
                if system == "stripe":
                    _how_stripe_was_read(pipeline, result)
                if system == "salesforce":
                    _where_salesforce_stopped(pipeline, result)
                normalized = pipeline.last_trace.last_normalize_info
                counts = dict(normalized.row_counts) if normalized else {}
                result.rows_by_table = counts
                result.quarantined = counts.get(QUARANTINE_TABLE, 0)
            except Exception as exc:  # noqa: BLE001 - one source's failure is reported, not fatal
                if _quota_spent(exc):  # nothing read, nothing broken: the next sync goes on
                    result.warnings.append(
                        f"nothing read: {redact(_describe(exc), settings)}; the next sync goes "
                        "on from where the last one stopped"
                    )
                else:
                    result.error = redact(_describe(exc), settings)  # drivers echo URLs
            result.seconds = perf_counter() - started
            notify(system, "failed" if result.error else "done")
            results.append(result)
        summary = SyncSummary(results)
        if not summary.failed:  # a failed source may have loaded in part: not published
            try:
                publish_snapshot(settings)
            except WarehouseError as exc:
                summary.warnings.append(str(exc))
    return summary


def _how_stripe_was_read(pipeline: Any, result: SourceResult) -> None:
    """What the Stripe source wrote of this sync's reading into its state: the mode and
    why, as a note; a warning when events older than Stripe keeps them were missed."""
    read = pipeline.state.get("sources", {}).get("stripe", {}).get("last_read")
    if not read:
        return
    if read["mode"] == "changes":
        result.notes.append(
            f"read the changes: {read['events']} events, {read['changed']} objects fetched "
            f"again, {read['deleted']} deletions marked"
        )
        return
    result.notes.append(f"listed everything ({read['reason']})")
    if "days Stripe keeps events" in read["reason"]:
        result.warnings.append(
            f"{read['reason']}; the objects are complete again, but stripe.events has a gap "
            "(events older than 30 days are gone from Stripe)"
        )


def _where_salesforce_stopped(pipeline: Any, result: SourceResult) -> None:
    budgets = pipeline.state.get("sources", {}).get("salesforce", {}).get("api_budget", {})
    stopped = {name: why for name, why in budgets.items() if why != "complete"}
    if stopped:
        why = next(iter(stopped.values())).removeprefix("stopped: ")
        result.warnings.append(
            f"stopped at the API budget ({why}): {', '.join(stopped)} not read to the "
            "end, each up to a consistent point; the next sync goes on from there "
            "(sources.salesforce.api_budget_share sets the budget)"
        )


def _with_the_warehouse_state(pipeline: Any) -> Any:
    """The pipeline afresh, its cursors and schemas restored from the warehouse at its run.

    dlt keeps a copy of its state on this machine and prefers it when it is newer than the
    warehouse's. After the warehouse is restored from a backup, that copy is ahead: the
    cursors would skip every row loaded after the backup, for good. The state that says
    what the warehouse holds is the warehouse's own, so the local copy is dropped before
    each sync (after any load it had pending went in) and dlt restores the state from the
    warehouse."""
    import dlt

    pipeline.drop()
    return dlt.pipeline(
        pipeline_name=pipeline.pipeline_name,
        destination=pipeline.destination,
        dataset_name=pipeline.dataset_name,
        pipelines_dir=pipeline.pipelines_dir,
    )


def _quota_spent(exc: BaseException | None) -> bool:
    from revtruth.sources.salesforce.helpers import SalesforceQuotaReached

    while exc is not None:
        if isinstance(exc, SalesforceQuotaReached):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _describe(exc: BaseException) -> str:
    """The first line of the error revtruth phrased itself (a SourceError, naming the
    address), else of the innermost cause: dlt wraps a source's error in several layers."""
    from revtruth.sources import SourceError

    chain = [exc]
    while chain[-1].__cause__ is not None or chain[-1].__context__ is not None:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)
    exc = next((e for e in chain if isinstance(e, SourceError)), chain[-1])
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
