"""Salesforce source: Account, Contact, Lead, Opportunity and User (configurable) through
simple-salesforce, every selectable field, read incrementally on SystemModstamp.

Records are merged on `Id`; deleted records arrive through queryAll with IsDeleted = true,
so the warehouse sees deletions instead of keeping ghosts. A sync uses at most a share of
the org's daily API allowance: once the org's usage reaches it, each object stops after the
page it holds, and the next sync goes on from there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import dlt
from dlt.sources import DltResource

from revtruth.sources.quarantine import split_valid
from revtruth.sources.salesforce.helpers import (
    ApiBudget,
    SalesforceQuotaReached,
    connect,
    describe_fields,
    incremental_soql,
    query_pages,
)
from revtruth.sources.salesforce.settings import (
    API_VERSION,
    CURSOR_FIELD,
    DEFAULT_OBJECTS,
    INITIAL_CURSOR,
)


@dlt.source(name="salesforce", max_table_nesting=0)
def salesforce_source(
    login_url: str = "https://login.salesforce.com",
    instance_url: str | None = None,
    api_version: str = API_VERSION,
    ca_bundle: str | None = None,
    objects: Sequence[str] = DEFAULT_OBJECTS,
    client_id: str | None = None,
    client_secret: str | None = None,
    username: str | None = None,
    password: str | None = None,
    security_token: str | None = None,
    session_id: str | None = None,
    api_budget_share: float = 0.5,
    timeout_seconds: float = 60,
) -> list[DltResource]:
    budget = ApiBudget(api_budget_share)
    sf = connect(
        login_url=login_url,
        instance_url=instance_url,
        api_version=api_version,
        ca_bundle=ca_bundle,
        client_id=client_id,
        client_secret=client_secret,
        username=username,
        password=password,
        security_token=security_token,
        session_id=session_id,
        budget=budget,
        timeout_seconds=timeout_seconds,
    )
    return [_object_resource(sf, sobject, budget) for sobject in objects]


def _object_resource(sf: Any, sobject: str, budget: ApiBudget) -> DltResource:
    fields, column_hints = describe_fields(sf, sobject)

    def read(
        modstamp: dlt.sources.incremental[str] = dlt.sources.incremental(
            CURSOR_FIELD, initial_value=INITIAL_CURSOR
        ),
    ) -> Iterator[Any]:
        # Records come oldest SystemModstamp first, so stopping after any page is a
        # consistent point: the cursor is the newest stamp loaded, and the next sync reads
        # on from it (the records of that very stamp again, merged on Id).
        budgets = dlt.current.source_state().setdefault("api_budget", {})
        budgets[sobject] = "complete"
        soql = incremental_soql(sobject, fields, modstamp.last_value)
        try:
            if budget.reached:
                raise SalesforceQuotaReached(budget.describe())
            for page in query_pages(sf, soql):
                yield from split_valid(page, sobject.lower(), "salesforce", id_field="Id")
                if budget.reached:
                    raise SalesforceQuotaReached(budget.describe())
        except SalesforceQuotaReached:
            budgets[sobject] = f"stopped: {budget.describe()}"

    return dlt.resource(
        read,
        name=sobject.lower(),
        primary_key="Id",
        write_disposition="merge",
        columns=column_hints,
    )
