"""Which HubSpot objects revtruth reads, and the properties it asks for."""

from __future__ import annotations

# HubSpot sends only the properties asked for (and a few of its own): these are the ones the
# models read, per object type. `sources.hubspot.properties` adds more.
PROPERTIES = {
    "companies": (
        "name", "domain", "website", "country", "industry", "numberofemployees",
        "lifecyclestage", "hubspot_owner_id", "stripe_customer_id", "createdate",
        "hs_lastmodifieddate",
    ),
    "contacts": (
        "email", "firstname", "lastname", "jobtitle", "associatedcompanyid", "createdate",
        "lastmodifieddate",
    ),
    "deals": (
        "dealname", "amount", "deal_currency_code", "closedate", "pipeline", "dealstage",
        "dealtype", "hubspot_owner_id", "hs_is_closed_won", "createdate", "hs_lastmodifieddate",
    ),
}  # fmt: skip

# The property that says when an object last changed: contacts name it differently.
MODIFIED = {
    "companies": "hs_lastmodifieddate",
    "contacts": "lastmodifieddate",
    "deals": "hs_lastmodifieddate",
}

# The associations kept: each object type's link to its company.
ASSOCIATIONS = {"contacts": "companies", "deals": "companies"}

LIST_PAGE_MAX = 100
SEARCH_PAGE_MAX = 200
# HubSpot's search returns at most this many results for one query, however it is paged.
SEARCH_RESULTS_MAX = 10_000
