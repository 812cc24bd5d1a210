"""Salesforce source: Account, Contact, Lead, Opportunity and User (configurable) through
simple-salesforce, every selectable field, read incrementally on SystemModstamp.

Records are merged on `Id`; deleted records arrive through queryAll with IsDeleted = true,
so the warehouse sees deletions instead of keeping ghosts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import dlt
from dlt.sources import DltResource

from revtruth.sources.quarantine import split_valid
from revtruth.sources.salesforce.helpers import (
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
) -> list[DltResource]:
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
    )
    return [_object_resource(sf, sobject) for sobject in objects]


def _object_resource(sf: Any, sobject: str) -> DltResource:
    fields, column_hints = describe_fields(sf, sobject)

    def read(
        modstamp: dlt.sources.incremental[str] = dlt.sources.incremental(
            CURSOR_FIELD, initial_value=INITIAL_CURSOR
        ),
    ) -> Iterator[Any]:
        for page in query_pages(sf, incremental_soql(sobject, fields, modstamp.last_value)):
            yield from split_valid(page, sobject.lower(), "salesforce", id_field="Id")

    return dlt.resource(
        read,
        name=sobject.lower(),
        primary_key="Id",
        write_disposition="merge",
        columns=column_hints,
    )
