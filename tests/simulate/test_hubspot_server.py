"""The simulated HubSpot CRM API, read by the official `hubspot-api-client` (only its host
differs) and, for the wire shapes, by plain HTTP: every object type's fields are compared
with HubSpot's OpenAPI specification as the official client's generated models carry it
(hubspot-api-client, Apache-2.0)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from hubspot import HubSpot
from hubspot.crm.objects import PublicObjectSearchRequest

from revtruth.simulate.company.generator import generate
from revtruth.simulate.company.plan import CompanyPlan
from revtruth.simulate.hubspot.server import HubSpotServer

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def plan() -> CompanyPlan:
    return generate(seed=3, size="small", today=datetime(2026, 6, 30).date())


@pytest.fixture
def server(plan: CompanyPlan) -> Iterator[HubSpotServer]:
    with HubSpotServer(plan.crm, TOKEN) as running:
        yield running


def client_for(server: HubSpotServer, token: str = TOKEN) -> HubSpot:
    return HubSpot(access_token=token, host=server.base_url)


def _get(server: HubSpotServer, path: str, **params: object) -> requests.Response:
    return requests.get(
        f"{server.base_url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )


def test_every_company_contact_and_deal_is_listed_once_across_pages(server, plan) -> None:
    client = client_for(server)
    companies = client.crm.companies.get_all(properties=["name", "domain"])
    contacts = client.crm.contacts.get_all()
    deals = client.crm.deals.get_all(properties=["dealname", "amount", "dealstage"])
    assert len(companies) == len({c.id for c in companies}) == len(plan.crm.accounts)
    assert len(contacts) == len(plan.crm.contacts)
    assert len(deals) == len(plan.crm.opportunities)
    names = {c.properties["name"] for c in companies}
    assert names == {a.name for a in plan.crm.accounts}
    # amounts are strings on HubSpot's wire, exact
    amounts = sorted(d.properties["amount"] for d in deals)
    assert amounts == sorted(format(o.amount, "f") for o in plan.crm.opportunities)


def test_won_is_read_from_the_pipeline_stage_metadata(server, plan) -> None:
    client = client_for(server)
    (pipeline,) = client.crm.pipelines.pipelines_api.get_all(object_type="deals").results
    won_stages = {
        s.id for s in pipeline.stages if s.metadata["isClosed"] == "true"
        and s.metadata["probability"] == "1.0"
    }  # fmt: skip
    deals = client.crm.deals.get_all(properties=["dealstage"])
    won = sum(d.properties["dealstage"] in won_stages for d in deals)
    assert won_stages == {"closedwon"}
    assert won == sum(o.is_won for o in plan.crm.opportunities)


def test_search_filters_sorts_and_pages_and_refuses_past_ten_thousand(server) -> None:
    client = client_for(server)
    cutoff = "2026-01-01T00:00:00.000Z"
    found, after = [], None
    while True:
        page = client.crm.deals.search_api.do_search(
            public_object_search_request=PublicObjectSearchRequest(
                filter_groups=[{"filters": [
                    {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": cutoff}
                ]}],
                sorts=[{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
                properties=["hs_lastmodifieddate"],
                limit=7,
                after=after,
            )
        )  # fmt: skip
        found += page.results
        if not page.paging:
            break
        after = page.paging.next.after
    stamps = [d.properties["hs_lastmodifieddate"] for d in found]
    assert stamps == sorted(stamps) and all(s >= cutoff for s in stamps)
    assert len(found) == page.total == len({d.id for d in found})
    with pytest.raises(Exception) as refused:
        client.crm.deals.search_api.do_search(
            public_object_search_request=PublicObjectSearchRequest(limit=100, after="9950")
        )
    assert refused.value.status == 400 and "at most 10000 results" in refused.value.body


def test_archived_objects_are_listed_only_when_asked_for(server, plan) -> None:
    client = client_for(server)
    victim = client.crm.contacts.basic_api.get_page(limit=1).results[0].id
    server.archive("contacts", victim, datetime(2026, 6, 29, 12, tzinfo=UTC))
    live = {c.id for c in client.crm.contacts.get_all()}
    archived = client.crm.contacts.basic_api.get_page(limit=100, archived=True).results
    assert victim not in live and len(live) == len(plan.crm.contacts) - 1
    assert [(c.id, c.archived) for c in archived] == [(victim, True)]
    assert archived[0].archived_at == datetime(2026, 6, 29, 12, tzinfo=UTC)


def test_deal_and_contact_associations_name_their_companies(server, plan) -> None:
    from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest

    client = client_for(server)
    id_of = server.rendered.id_of
    deal_ids = [id_of[o.opportunity_id] for o in plan.crm.opportunities]
    answer = client.crm.associations.v4.batch_api.get_page(
        from_object_type="deals",
        to_object_type="companies",
        batch_input_public_fetch_associations_batch_request=(
            BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": i} for i in deal_ids])
        ),
    )
    found = {r._from.id: [str(t.to_object_id) for t in r.to] for r in answer.results}
    assert found == {id_of[o.opportunity_id]: [id_of[o.account_id]] for o in plan.crm.opportunities}


def test_a_wrong_token_is_refused_in_hubspots_shape(server) -> None:
    answer = requests.get(
        f"{server.base_url}/crm/v3/objects/companies",
        headers={"Authorization": "Bearer pat-na1-wrong"},
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["category"] == "INVALID_AUTHENTICATION"
    assert "correlationId" in answer.json()


def test_the_ten_second_limit_answers_429_with_its_headers(plan) -> None:
    with HubSpotServer(plan.crm, TOKEN, ten_second_limit=3) as limited:
        answers = [_get(limited, "/crm/v3/objects/companies") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-HubSpot-RateLimit-Max"] == "3"
    assert answers[2].headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert answers[3].json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert answers[3].json()["errorType"] == "RATE_LIMIT"


PAGE_MODEL = "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging"


def _spec_fields(module: str, model: str) -> set[str]:
    """The JSON field names of one model of HubSpot's OpenAPI spec, as the client has them."""
    return set(getattr(importlib.import_module(module), model).attribute_map.values())


@pytest.mark.parametrize(
    ("path", "params", "where", "module", "model"),
    [
        ("/crm/v3/objects/companies", {"associations": "deals"}, "results",
         "hubspot.crm.companies.models", "SimplePublicObjectWithAssociations"),
        ("/crm/v3/objects/contacts", {}, "results",
         "hubspot.crm.contacts.models", "SimplePublicObjectWithAssociations"),
        ("/crm/v3/objects/deals", {}, "results",
         "hubspot.crm.deals.models", "SimplePublicObjectWithAssociations"),
        ("/crm/v3/objects/deals", {}, None,
         "hubspot.crm.deals.models", PAGE_MODEL),
        ("/crm/v3/owners", {}, "results", "hubspot.crm.owners.models", "PublicOwner"),
        ("/crm/v3/pipelines/deals", {}, "results", "hubspot.crm.pipelines.models", "Pipeline"),
        ("/crm/v3/pipelines/deals", {}, "stages", "hubspot.crm.pipelines.models", "PipelineStage"),
    ],
)  # fmt: skip
def test_every_simulated_object_has_only_fields_of_hubspots_spec(
    server, path, params, where, module, model
) -> None:
    body = _get(server, path, limit=3, **params).json()
    objects = [body] if where is None else body["results"]
    if where == "stages":
        objects = body["results"][0]["stages"]
    spec = _spec_fields(module, model)
    for obj in objects:
        assert set(obj) <= spec, set(obj) - spec
    required = {"id", "createdAt", "updatedAt", "archived"} & spec
    assert all(required <= set(obj) for obj in objects)
