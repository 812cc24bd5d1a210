"""The Salesforce source through the real `simple-salesforce` client against the simulated
org over TLS (verified against the simulator's CA bundle), loaded by dlt into DuckDB.

This machine sets REQUESTS_CA_BUNDLE, which requests lets override a session's own `verify`;
the tests keep it set (and set it where it is not) because the source must work with it."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import certifi
import pytest
import requests

from revtruth.simulate.company.plan import CompanyPlan, CrmPlan
from revtruth.simulate.salesforce.server import SalesforceServer
from revtruth.sources.salesforce import salesforce_source
from revtruth.sources.salesforce.helpers import SalesforceLoginError

from .conftest import Warehouse

DATASET = "raw_salesforce"
CREDENTIALS = {
    "username": "revops@sim.example",
    "password": "correct-horse-battery",
    "client_id": "3MVG9revtruthSim",
    "client_secret": "sim-client-secret",
}
TOKEN_PATH = "/services/oauth2/token"
PAGE_SIZE = 100  # the org's query batch: contacts and accounts take several pages


def crm_counts_of(crm: CrmPlan) -> dict[str, int]:
    return {
        "account": len(crm.accounts),
        "contact": len(crm.contacts),
        "lead": len(crm.leads),
        "opportunity": len(crm.opportunities),
        "user": len(crm.users),
    }


@pytest.fixture(autouse=True)
def _requests_ca_bundle_set(monkeypatch: pytest.MonkeyPatch) -> None:
    # The condition the source must survive (psf/requests#3829), on every machine.
    monkeypatch.setenv(
        "REQUESTS_CA_BUNDLE", os.environ.get("REQUESTS_CA_BUNDLE") or certifi.where()
    )


@pytest.fixture
def crm(company_plan: CompanyPlan) -> CrmPlan:
    return copy.deepcopy(company_plan.crm)  # tests change records between runs


@pytest.fixture
def server(crm: CrmPlan) -> Iterator[SalesforceServer]:
    with SalesforceServer(crm, page_size=PAGE_SIZE, **CREDENTIALS) as running:
        yield running


def source_for(server: SalesforceServer, **overrides: Any) -> Any:
    options: dict[str, Any] = {
        "login_url": server.login_url,
        "ca_bundle": server.ca_bundle_path,
        **CREDENTIALS,
    }
    return salesforce_source(**{**options, **overrides})


def test_password_flow_login_with_the_ca_bundle_loads_all_five_objects_with_the_plans_counts(
    server: SalesforceServer, crm: CrmPlan, warehouse: Warehouse
) -> None:
    normalized = warehouse.run(source_for(server), DATASET)

    expected = crm_counts_of(crm)
    assert min(expected.values()) > 0
    assert normalized == expected
    assert warehouse.row_counts(DATASET) == expected
    assert server.requests_by_path[TOKEN_PATH] == 1
    next_pages = [p for p in server.requests_by_path if p.startswith("/services/data/v59.0/query/")]
    assert len(next_pages) == sum((n - 1) // PAGE_SIZE for n in expected.values())
    loaded_ids = {row[0] for row in warehouse.sql(f"select id from {DATASET}.account")}
    assert loaded_ids == {a.account_id for a in crm.accounts}


def test_opportunity_amount_is_exact_decimal_and_close_date_is_a_date(
    server: SalesforceServer, crm: CrmPlan, warehouse: Warehouse
) -> None:
    warehouse.run(source_for(server), DATASET)

    types = warehouse.column_types(DATASET, "opportunity")
    assert types["amount"] == "DECIMAL(18,2)"
    assert types["close_date"] == "DATE"
    loaded = {
        opp_id: (amount, close_date)
        for opp_id, amount, close_date in warehouse.sql(
            f"select id, amount, close_date from {DATASET}.opportunity"
        )
    }
    assert loaded == {o.opportunity_id: (o.amount, o.close_date) for o in crm.opportunities}
    total = warehouse.sql(f"select sum(amount) from {DATASET}.opportunity")[0][0]
    assert isinstance(total, Decimal)
    assert total == sum(o.amount for o in crm.opportunities)


def test_second_run_adds_nothing(server: SalesforceServer, warehouse: Warehouse) -> None:
    warehouse.run(source_for(server), DATASET)
    after_first = warehouse.row_counts(DATASET)

    assert warehouse.run(source_for(server), DATASET) == {}
    assert warehouse.row_counts(DATASET) == after_first


def test_records_modified_or_deleted_later_arrive_on_the_next_incremental_run(
    server: SalesforceServer, crm: CrmPlan, company_plan: CompanyPlan, warehouse: Warehouse
) -> None:
    warehouse.run(source_for(server), DATASET)
    later = company_plan.now + timedelta(hours=1)  # after every record's SystemModstamp
    renamed, deleted_opp, deleted_contact = crm.accounts[5], crm.opportunities[7], crm.contacts[9]
    renamed.name = "Renamed After The First Sync Ltd"
    # The wire renderer's hook for a record edited after it was created.
    renamed.last_modified_at = later  # type: ignore[attr-defined]
    server.load(
        crm, deleted_ids={deleted_opp.opportunity_id: later, deleted_contact.contact_id: later}
    )

    normalized = warehouse.run(source_for(server), DATASET)

    assert normalized == {"account": 1, "opportunity": 1, "contact": 1}
    assert warehouse.row_counts(DATASET) == crm_counts_of(crm)  # merged, not appended
    assert warehouse.sql(f"select id from {DATASET}.opportunity where is_deleted") == [
        (deleted_opp.opportunity_id,)
    ]
    assert warehouse.sql(f"select id from {DATASET}.contact where is_deleted") == [
        (deleted_contact.contact_id,)
    ]
    assert warehouse.sql(
        f"select name, is_deleted from {DATASET}.account where id = ?", [renamed.account_id]
    ) == [("Renamed After The First Sync Ltd", False)]


def test_bad_password_fails_with_a_salesforce_login_error(server: SalesforceServer) -> None:
    wrong = "not-the-password-42"

    with pytest.raises(SalesforceLoginError) as failure:
        source_for(server, password=wrong)

    message = str(failure.value)
    assert message == (
        f"Salesforce login at {server.login_url} failed (400): authentication failure"
    )
    assert wrong not in message
    assert server.requests_by_path == {TOKEN_PATH: 1}  # nothing was read


def test_without_the_ca_bundle_tls_verification_fails(server: SalesforceServer) -> None:
    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        source_for(server, ca_bundle=None)

    # The handshake failed, so not even the login request (with the password) was sent.
    assert server.request_count == 0


def _budget_state(warehouse: Warehouse) -> dict[str, str]:
    return warehouse.pipeline(DATASET).state["sources"]["salesforce"]["api_budget"]


def test_a_sync_stops_at_its_share_of_the_daily_api_limit_and_the_next_goes_on(
    crm: CrmPlan, warehouse: Warehouse
) -> None:
    with SalesforceServer(crm, page_size=PAGE_SIZE, api_limit=40, **CREDENTIALS) as server:
        server.use_api_requests(8)  # other integrations of the org used some today
        # half of 40: the sync may go on until the org has used 20
        warehouse.run(source_for(server, api_budget_share=0.5), DATASET)
        stopped = {name for name, why in _budget_state(warehouse).items() if why != "complete"}
        partial = warehouse.row_counts(DATASET)
        assert stopped, "the budget was never reached: the test proves nothing"
        assert sum(partial.values()) < sum(crm_counts_of(crm).values())
        why = next(why for why in _budget_state(warehouse).values() if why != "complete")
        assert "of the org's 40 daily API requests used" in why and "50%" in why

        server.use_api_requests(-1000)  # a new day
        warehouse.run(source_for(server, api_budget_share=0.5), DATASET)

    assert set(_budget_state(warehouse).values()) == {"complete"}
    assert warehouse.row_counts(DATASET) == crm_counts_of(crm)
    assert warehouse.sql(f"select count(*) - count(distinct id) from {DATASET}.contact") == [(0,)]


def test_a_spent_daily_limit_mid_read_stops_cleanly_and_the_next_sync_goes_on(
    crm: CrmPlan, warehouse: Warehouse
) -> None:
    # a budget of the whole limit: the org's own REQUEST_LIMIT_EXCEEDED stops the read
    with SalesforceServer(crm, page_size=PAGE_SIZE, api_limit=12, **CREDENTIALS) as server:
        warehouse.run(source_for(server, api_budget_share=1.0), DATASET)
        assert any(why != "complete" for why in _budget_state(warehouse).values())
        server.use_api_requests(-1000)
        warehouse.run(source_for(server, api_budget_share=1.0), DATASET)
    assert warehouse.row_counts(DATASET) == crm_counts_of(crm)


def test_a_limit_spent_before_the_sync_starts_is_a_warning_not_a_failure(
    company_plan: CompanyPlan, tmp_path
) -> None:
    from revtruth.config import load_settings
    from revtruth.sync import sync

    with SalesforceServer(company_plan.crm, api_limit=5, **CREDENTIALS) as server:
        server.use_api_requests(5)
        settings = load_settings(
            env={
                "REVTRUTH_WAREHOUSE__PATH": str(tmp_path / "w.duckdb"),
                "REVTRUTH_SOURCES__SALESFORCE__LOGIN_URL": server.login_url,
                "REVTRUTH_SOURCES__SALESFORCE__CA_BUNDLE": str(server.ca_bundle_path),
                **{
                    f"REVTRUTH_SOURCES__SALESFORCE__{key.upper()}": value
                    for key, value in CREDENTIALS.items()
                },
            },
            base_dir=tmp_path,
            discover_files=False,
        )
        (result,) = sync(settings, ["salesforce"]).results
    assert result.error is None
    (warning,) = result.warnings
    assert warning.startswith("nothing read: SalesforceQuotaReached: Salesforce at 127.0.0.1:")
    assert "daily API limit is spent" in warning
