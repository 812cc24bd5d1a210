"""A company's CRM as HubSpot holds it: companies, contacts, deals in a pipeline, owners, and
the associations between them, in the shapes of HubSpot's CRM API v3 (objects, pipelines,
owners) and v4 (associations).

The CRM plan is written in Salesforce's terms; HubSpot's differ, and the renderer keeps to
HubSpot's:
- ids are numbers (sent as strings), derived from the plan's record ids so the same plan
  always gives the same ids;
- every property value is a string or null (amounts, counts and dates included), and times
  are ISO 8601 UTC with milliseconds;
- a deal's stage is the id of a stage in a pipeline (`closedwon`, not "Closed Won"); whether
  it is won is the stage's metadata, read from the pipelines endpoint;
- contacts carry `lastmodifieddate`, companies and deals `hs_lastmodifieddate`.
Salesforce leads have no HubSpot object of their own here: HubSpot keeps them as contacts
in an early lifecycle stage, and revtruth reads neither for money.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from revtruth.simulate.company.plan import Account, CrmPlan, Opportunity

JsonObj = dict

# Salesforce stage name -> (HubSpot stage id, label, is closed, probability), in pipeline order.
DEAL_STAGES = (
    ("Prospecting", "appointmentscheduled", "Appointment Scheduled", False, "0.2"),
    ("Qualification", "qualifiedtobuy", "Qualified To Buy", False, "0.4"),
    ("Proposal/Price Quote", "presentationscheduled", "Presentation Scheduled", False, "0.6"),
    ("Negotiation/Review", "contractsent", "Contract Sent", False, "0.9"),
    ("Closed Won", "closedwon", "Closed Won", True, "1.0"),
    ("Closed Lost", "closedlost", "Closed Lost", True, "0.0"),
)
STAGE_ID = {name: stage_id for name, stage_id, *_ in DEAL_STAGES}
PIPELINE_ID = "default"

# HubSpot's own association type ids (HUBSPOT_DEFINED), as its v4 API names them.
CONTACT_TO_COMPANY, COMPANY_TO_CONTACT = 1, 2
DEAL_TO_COMPANY, COMPANY_TO_DEAL = 5, 6


def hubspot_id(record_id: str, digits: int = 11) -> str:
    """A HubSpot-style numeric id for a plan record, the same for the same record."""
    number = int.from_bytes(hashlib.sha256(record_id.encode()).digest()[:8], "big")
    return str(10 ** (digits - 1) + number % (9 * 10 ** (digits - 1)))


def stamp(moment: datetime | date | None) -> str | None:
    """HubSpot's time format: ISO 8601 in UTC with milliseconds and a Z."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0, 0), tzinfo=UTC)
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass
class RenderedCrm:
    objects: dict[str, dict[str, JsonObj]]  # "companies" | "contacts" | "deals" -> id -> object
    owners: dict[str, JsonObj]
    pipelines: list[JsonObj]
    # (from type, to type) -> from id -> [(to id, type id)]
    associations: dict[tuple[str, str], dict[str, list[tuple[str, int]]]]
    id_of: dict[str, str] = field(default_factory=dict)  # plan record id -> HubSpot id


def _object(object_id: str, created: datetime, modified: datetime, properties: dict) -> JsonObj:
    return {
        "id": object_id,
        "properties": {k: (None if v is None else str(v)) for k, v in properties.items()},
        "createdAt": stamp(created),
        "updatedAt": stamp(modified),
        "archived": False,
    }


def _modified(record: object) -> datetime:
    return getattr(record, "last_modified_at", None) or record.created_at  # type: ignore[attr-defined]


def _domain(account: Account) -> str | None:
    if not account.website:
        return None
    host = account.website.split("://", 1)[-1].split("/", 1)[0].lower()
    return host.removeprefix("www.") or None


def render_crm(crm: CrmPlan) -> RenderedCrm:
    id_of: dict[str, str] = {}
    for record_id in (
        [u.user_id for u in crm.users]
        + [a.account_id for a in crm.accounts]
        + [c.contact_id for c in crm.contacts]
        + [o.opportunity_id for o in crm.opportunities]
    ):
        id_of[record_id] = hubspot_id(record_id, 9 if record_id.startswith("005") else 11)

    owners = {}
    for user in crm.users:
        first, _, last = user.name.partition(" ")
        owner_id = id_of[user.user_id]
        owners[owner_id] = {
            "id": owner_id,
            "email": user.email,
            "firstName": first,
            "lastName": last,
            "userId": int(owner_id) % 10**8,
            "createdAt": stamp(user.created_at),
            "updatedAt": stamp(user.created_at),
            "archived": not user.is_active,
            "teams": [],
        }

    companies = {}
    for account in crm.accounts:
        company_id = id_of[account.account_id]
        properties = {
            "name": account.name,
            "domain": _domain(account),
            "website": account.website,
            "country": account.billing_country,
            "industry": account.industry,
            "numberofemployees": account.number_of_employees,
            "lifecyclestage": "customer" if account.type == "Customer" else "opportunity",
            "hubspot_owner_id": id_of.get(account.owner_id),
            "stripe_customer_id": account.stripe_customer_id,
            "createdate": stamp(account.created_at),
            "hs_lastmodifieddate": stamp(_modified(account)),
            "hs_object_id": company_id,
        }
        companies[company_id] = _object(
            company_id, account.created_at, _modified(account), properties
        )

    contacts, contact_company = {}, {}
    for contact in crm.contacts:
        contact_id = id_of[contact.contact_id]
        company_id = id_of.get(contact.account_id)
        properties = {
            "email": contact.email,
            "firstname": contact.first_name,
            "lastname": contact.last_name,
            "jobtitle": contact.title,
            "associatedcompanyid": company_id,
            "createdate": stamp(contact.created_at),
            "lastmodifieddate": stamp(_modified(contact)),
            "hs_object_id": contact_id,
        }
        contacts[contact_id] = _object(
            contact_id, contact.created_at, _modified(contact), properties
        )
        if company_id:
            contact_company[contact_id] = company_id

    deals, deal_company = {}, {}
    for opportunity in crm.opportunities:
        deal_id = id_of[opportunity.opportunity_id]
        deals[deal_id] = _object(
            deal_id, opportunity.created_at, _modified(opportunity), _deal(opportunity, id_of)
        )
        if opportunity.account_id in id_of:
            deal_company[deal_id] = id_of[opportunity.account_id]

    associations: dict[tuple[str, str], dict[str, list[tuple[str, int]]]] = {}
    for (source, target, forward, backward), pairs in (
        (("contacts", "companies", CONTACT_TO_COMPANY, COMPANY_TO_CONTACT), contact_company),
        (("deals", "companies", DEAL_TO_COMPANY, COMPANY_TO_DEAL), deal_company),
    ):
        for from_id, to_id in pairs.items():
            associations.setdefault((source, target), {}).setdefault(from_id, []).append(
                (to_id, forward)
            )
            associations.setdefault((target, source), {}).setdefault(to_id, []).append(
                (from_id, backward)
            )

    return RenderedCrm(
        objects={"companies": companies, "contacts": contacts, "deals": deals},
        owners=owners,
        pipelines=[_pipeline()],
        associations=associations,
        id_of=id_of,
    )


def _deal(opportunity: Opportunity, id_of: dict[str, str]) -> dict:
    stage = STAGE_ID[opportunity.stage_name]
    return {
        "dealname": opportunity.name,
        "amount": format(opportunity.amount, "f"),
        "deal_currency_code": opportunity.currency,
        "closedate": stamp(opportunity.close_date),
        "pipeline": PIPELINE_ID,
        "dealstage": stage,
        "dealtype": "newbusiness" if opportunity.type == "New Business" else "existingbusiness",
        "hubspot_owner_id": id_of.get(opportunity.owner_id),
        "hs_is_closed_won": "true" if stage == "closedwon" else "false",
        "createdate": stamp(opportunity.created_at),
        "hs_lastmodifieddate": stamp(_modified(opportunity)),
        "hs_object_id": id_of[opportunity.opportunity_id],
    }


def _pipeline() -> JsonObj:
    created = stamp(datetime(2019, 1, 1, tzinfo=UTC))
    return {
        "id": PIPELINE_ID,
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "createdAt": created,
        "updatedAt": created,
        "archived": False,
        "stages": [
            {
                "id": stage_id,
                "label": label,
                "displayOrder": order,
                "metadata": {"isClosed": "true" if closed else "false", "probability": chance},
                "createdAt": created,
                "updatedAt": created,
                "archived": False,
                "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
            }
            for order, (_, stage_id, label, closed, chance) in enumerate(DEAL_STAGES)
        ],
    }
