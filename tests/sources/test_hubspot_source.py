"""The HubSpot source through the official `hubspot-api-client` against the simulated HubSpot
CRM API, loaded by real dlt pipelines into DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from revtruth.simulate.company.plan import CompanyPlan
from revtruth.simulate.hubspot.server import HubSpotServer
from revtruth.sources.hubspot import hubspot_source
from revtruth.sources.hubspot.helpers import HubSpotError

from .conftest import Warehouse

DATASET = "raw_hubspot"
TOKEN = "pat-na1-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


@pytest.fixture
def server(company_plan: CompanyPlan) -> Iterator[HubSpotServer]:
    with HubSpotServer(company_plan.crm, TOKEN) as running:
        yield running


def source_for(server: HubSpotServer, **kwargs: object) -> object:
    return hubspot_source(access_token=TOKEN, base_url=server.base_url, **kwargs)


def counts_of(plan: CompanyPlan) -> dict[str, int]:
    crm = plan.crm
    return {
        "companies": len(crm.accounts),
        "contacts": len(crm.contacts),
        "deals": len(crm.opportunities),
        "owners": len(crm.users),
        "deal_pipelines": 1,
        "deal_pipelines__stages": 6,
    }


def loaded(warehouse: Warehouse) -> dict[str, int]:
    counts = warehouse.row_counts(DATASET)
    return {table: counts.get(table, 0) for table in counts_of_keys()}


def counts_of_keys() -> tuple[str, ...]:
    return ("companies", "contacts", "deals", "owners", "deal_pipelines", "deal_pipelines__stages")


def test_the_first_sync_lands_every_object_and_its_company(
    server: HubSpotServer, company_plan: CompanyPlan, warehouse: Warehouse
) -> None:
    warehouse.run(source_for(server), DATASET)

    assert loaded(warehouse) == counts_of(company_plan)
    id_of = server.rendered.id_of
    links = dict(
        warehouse.sql(
            f"select d.id, c.value from {DATASET}.deals d "
            f"join {DATASET}.deals__company_ids c on c._dlt_parent_id = d._dlt_id"
        )
    )
    assert links == {
        id_of[o.opportunity_id]: id_of[o.account_id] for o in company_plan.crm.opportunities
    }
    amounts = sorted(a for (a,) in warehouse.sql(f"select amount from {DATASET}.deals"))
    assert amounts == sorted(format(o.amount, "f") for o in company_plan.crm.opportunities)
    won = warehouse.sql(
        f"select id from {DATASET}.deal_pipelines__stages "
        "where json_extract_string(metadata, '$.isClosed') = 'true' "
        "and json_extract_string(metadata, '$.probability') = '1.0'"
    )
    assert won == [("closedwon",)]


def test_a_second_sync_reads_only_what_changed_and_marks_archived_objects(
    server: HubSpotServer, company_plan: CompanyPlan, warehouse: Warehouse
) -> None:
    warehouse.run(source_for(server), DATASET)
    first_requests = server.request_count
    later = datetime.now(UTC) - timedelta(minutes=5)
    id_of = server.rendered.id_of
    deal = id_of[company_plan.crm.opportunities[3].opportunity_id]
    contact = id_of[company_plan.crm.contacts[7].contact_id]
    server.update("deals", deal, later, amount="31337.50", dealstage="closedwon")
    server.archive("contacts", contact, later)

    before = server.request_count
    warehouse.run(source_for(server), DATASET)
    second_requests = server.request_count - before

    assert loaded(warehouse) == counts_of(company_plan)  # merged, not added
    assert warehouse.sql(f"select amount, dealstage from {DATASET}.deals where id = ?", [deal]) == [
        ("31337.50", "closedwon")
    ]
    assert warehouse.sql(f"select archived from {DATASET}.contacts where id = ?", [contact]) == [
        (True,)
    ]
    # a search per type, the changed deal's company links, the archived lists, owners
    # (live and archived) and pipelines: not a page per 100 objects
    assert second_requests <= 12 < first_requests + 12
    for table in ("companies", "contacts", "deals"):
        assert warehouse.sql(f"select count(*) - count(distinct id) from {DATASET}.{table}") == [
            (0,)
        ]


def test_a_search_window_with_too_many_results_is_split_until_each_fits(
    company_plan: CompanyPlan, warehouse: Warehouse
) -> None:
    # search capped at 20 results (HubSpot's cap is 10,000): every object changes at once
    with HubSpotServer(company_plan.crm, TOKEN, search_results_max=20) as server:
        warehouse.run(source_for(server, search_results_max=20), DATASET)
        start = datetime.now(UTC) - timedelta(hours=1)
        for n, company_id in enumerate(sorted(server.rendered.objects["companies"])):
            server.update(
                "companies", company_id, start + timedelta(seconds=n), name=f"Renamed {n}"
            )
        warehouse.run(source_for(server, search_results_max=20), DATASET)
    names = [n for (n,) in warehouse.sql(f"select name from {DATASET}.companies")]
    assert len(names) == len(company_plan.crm.accounts)
    assert all(name.startswith("Renamed ") for name in names)


@pytest.mark.slow  # about 20 s of waiting for HubSpot's 10-second windows
def test_a_rate_limited_account_is_read_to_the_end(
    company_plan: CompanyPlan, warehouse: Warehouse
) -> None:
    with HubSpotServer(company_plan.crm, TOKEN, ten_second_limit=6) as limited:
        warehouse.run(source_for(limited), DATASET)
    assert loaded(warehouse) == counts_of(company_plan)


def test_a_wrong_token_fails_naming_the_address(
    server: HubSpotServer, warehouse: Warehouse
) -> None:
    with pytest.raises(Exception) as raised:
        warehouse.run(hubspot_source(access_token="pat-wrong", base_url=server.base_url), DATASET)
    cause = raised.value
    while cause is not None and not isinstance(cause, HubSpotError):
        cause = cause.__cause__ or cause.__context__
    assert cause is not None and "401" in str(cause) and "127.0.0.1" in str(cause)
    assert "pat-wrong" not in str(cause)


def test_revtruth_sync_hubspot_loads_raw_hubspot(
    server: HubSpotServer, company_plan: CompanyPlan, tmp_path
) -> None:
    from revtruth.config import load_settings
    from revtruth.sync import sync

    settings = load_settings(
        env={
            "REVTRUTH_WAREHOUSE__PATH": str(tmp_path / "w.duckdb"),
            "REVTRUTH_SOURCES__HUBSPOT__ENABLED": "true",
            "REVTRUTH_SOURCES__HUBSPOT__BASE_URL": server.base_url,
            "REVTRUTH_SOURCES__HUBSPOT__ACCESS_TOKEN": TOKEN,
        },
        base_dir=tmp_path,
        discover_files=False,
    )
    (result,) = sync(settings, ["hubspot"]).results
    assert result.error is None
    assert result.rows_by_table["deals"] == len(company_plan.crm.opportunities)
    warehouse = Warehouse(settings.warehouse.resolved_path, tmp_path / "unused")
    assert loaded(warehouse) == counts_of(company_plan)
