"""Shared pieces for the connector tests: a DuckDB warehouse in tmp_path that real dlt
pipelines load into, the simulated company's plans, and one pgserver for the session."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

import revtruth.sources  # noqa: F401  (dlt's no-telemetry default, before dlt runs)
from revtruth.simulate import product_db as product_db_sim
from revtruth.simulate.company.generator import generate
from revtruth.simulate.company.plan import ActivityLog, BillingPlan, CompanyPlan, ProductDbPlan

# dlt warns about every all-null column of every load; a failing test should show our output.
logging.getLogger("dlt").setLevel(logging.ERROR)

TODAY = date(2025, 6, 30)  # fixed, so every plan in these tests is the same on every day
SEED = 3


def stripe_counts_of(billing: BillingPlan) -> dict[str, int]:
    """The rows each raw_stripe table must hold for a plan."""
    return {
        "products": len(billing.products),
        "prices": len(billing.prices),
        "coupons": len(billing.coupons),
        "customers": len(billing.customers),
        "subscriptions": len(billing.subscriptions),
        "subscriptions__items__data": sum(len(s.items) for s in billing.subscriptions),
        "subscriptions__discounts": sum(len(s.discounts) for s in billing.subscriptions),
        "invoices": len(billing.invoices),
        "invoices__lines__data": sum(len(i.lines) for i in billing.invoices),
        "events": len(billing.events),
    }


@dataclass
class Warehouse:
    """A DuckDB file that dlt pipelines load into, and read-back helpers."""

    path: Path
    pipelines_dir: Path

    def pipeline(self, dataset: str) -> dlt.Pipeline:
        # One pipeline per dataset, so a second run sees the first run's state.
        return dlt.pipeline(
            pipeline_name=f"test_{dataset}",
            destination=dlt.destinations.duckdb(str(self.path)),
            dataset_name=dataset,
            pipelines_dir=str(self.pipelines_dir),
        )

    def run(self, source: Any, dataset: str) -> dict[str, int]:
        """Run the source; return the rows this run normalized per table (dlt's own tables
        left out, tables that received nothing left out)."""
        pipeline = self.pipeline(dataset)
        pipeline.run(source, loader_file_format="parquet")
        counts = pipeline.last_trace.last_normalize_info.row_counts
        return {t: n for t, n in counts.items() if not t.startswith("_dlt_") and n}

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(self.path))
        try:
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()

    def row_counts(self, schema: str) -> dict[str, int]:
        """Rows per table of `schema`, dlt's bookkeeping tables left out."""
        tables = [
            name
            for (name,) in self.sql(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            )
            if not name.startswith("_dlt_")
        ]
        return {t: self.sql(f'select count(*) from {schema}."{t}"')[0][0] for t in sorted(tables)}

    def column_types(self, schema: str, table: str) -> dict[str, str]:
        return dict(
            self.sql(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            )
        )

    def schemas(self) -> set[str]:
        return {name for (name,) in self.sql("select schema_name from information_schema.schemata")}


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "warehouse.duckdb", tmp_path / "dlt")


@pytest.fixture(scope="session")
def company_plan() -> CompanyPlan:
    """The generated company every CRM and product test reads (treat as read-only)."""
    return generate(seed=SEED, size="small", today=TODAY)


def small_product_db_plan(plan: CompanyPlan, tenants: int = 12) -> ProductDbPlan:
    """The first `tenants` tenants of a generated company, with their users and activity:
    small enough to reload into PostgreSQL before every test."""
    kept = plan.product_db.tenants[:tenants]
    ids = {t.tenant_id for t in kept}
    log, small_log = plan.product_db.activity, ActivityLog()
    for row in zip(
        log.event_id, log.tenant_id, log.user_id, log.event_type, log.occurred_at, strict=True
    ):
        if row[1] in ids:
            small_log.event_id.append(row[0])
            small_log.tenant_id.append(row[1])
            small_log.user_id.append(row[2])
            small_log.event_type.append(row[3])
            small_log.occurred_at.append(row[4])
    users = [u for u in plan.product_db.users if u.tenant_id in ids]
    return ProductDbPlan(tenants=list(kept), users=users, activity=small_log)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """One pgserver PostgreSQL for the whole session (starting one takes about a second)."""
    with product_db_sim.running_pgserver() as url:
        yield url


@dataclass
class ProductDb:
    admin_url: str  # the tables' owner
    reader_url: str  # the read-only role revtruth is normally given
    plan: ProductDbPlan


@pytest.fixture
def product_database(pg_admin_url: str, company_plan: CompanyPlan) -> ProductDb:
    """The small product plan freshly (re)loaded, so each test starts from the same rows."""
    plan = small_product_db_plan(company_plan)
    product_db_sim.load(plan, pg_admin_url)
    return ProductDb(pg_admin_url, product_db_sim.reader_url_for(pg_admin_url), plan)
