"""Render a `CrmPlan` as Salesforce REST records.

Records are plain dicts keyed by API field name with values already in the JSON form the
REST API sends (datetimes as `2024-01-15T10:00:00.000+0000`, dates as `2024-01-15`, numbers
as JSON numbers, nulls as None). The server adds `attributes` and projects the SELECTed
fields; the SOQL evaluator reads the same dicts using the field types in `sobjects`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from revtruth.simulate.company.plan import (
    Account,
    Contact,
    CrmPlan,
    Lead,
    Opportunity,
    SalesforceUser,
)

Record = dict[str, Any]


def format_datetime(value: datetime | None) -> str | None:
    """Salesforce's REST form: millisecond precision and a `+0000` offset without colon."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def format_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _last_modified(obj: Any, *later: datetime | None) -> datetime:
    # The plan records creation only; anything it knows happened later (a lead's conversion,
    # a deletion, or a future `last_modified_at` field) moves the audit stamps forward.
    candidates = [obj.created_at, getattr(obj, "last_modified_at", None), *later]
    return max(c for c in candidates if c is not None)


def _audit(obj: Any, *later: datetime | None) -> Record:
    modified = format_datetime(_last_modified(obj, *later))
    return {
        "CreatedDate": format_datetime(obj.created_at),
        "LastModifiedDate": modified,
        "SystemModstamp": modified,
    }


def _user(u: SalesforceUser) -> Record:
    # The plan has no username; Salesforce usernames are email-shaped and usually the email.
    return {
        "Id": u.user_id,
        "Username": u.email,
        "Name": u.name,
        "Email": u.email,
        "IsActive": u.is_active,
        **_audit(u),
    }


def _account(a: Account, deleted: bool, deleted_at: datetime | None) -> Record:
    audit = _audit(a, deleted_at)
    return {
        "Id": a.account_id,
        "IsDeleted": deleted,
        "Name": a.name,
        "Type": a.type,
        "Industry": a.industry,
        "Website": a.website,
        "BillingCountry": a.billing_country,
        "NumberOfEmployees": a.number_of_employees,
        "OwnerId": a.owner_id,
        **audit,
        "Stripe_Customer_Id__c": a.stripe_customer_id,
    }


def _contact(c: Contact, deleted: bool, deleted_at: datetime | None) -> Record:
    return {
        "Id": c.contact_id,
        "IsDeleted": deleted,
        "AccountId": c.account_id,
        "FirstName": c.first_name,
        "LastName": c.last_name,
        "Name": _full_name(c.first_name, c.last_name),
        "Email": c.email,
        "Title": c.title,
        **_audit(c, deleted_at),
    }


def _lead(
    ld: Lead, deleted: bool, deleted_at: datetime | None, converted_at: datetime | None
) -> Record:
    return {
        "Id": ld.lead_id,
        "IsDeleted": deleted,
        "FirstName": ld.first_name,
        "LastName": ld.last_name,
        "Name": _full_name(ld.first_name, ld.last_name),
        "Company": ld.company,
        "Email": ld.email,
        "Status": ld.status,
        "IsConverted": ld.is_converted,
        "ConvertedAccountId": ld.converted_account_id,
        "ConvertedOpportunityId": ld.converted_opportunity_id,
        "LeadSource": ld.lead_source,
        **_audit(ld, converted_at, deleted_at),
    }


def _opportunity(o: Opportunity, deleted: bool, deleted_at: datetime | None) -> Record:
    # No close instant is taken from CloseDate: closed deals may carry a future close date,
    # and a SystemModstamp after "now" would break incremental cursors.
    return {
        "Id": o.opportunity_id,
        "IsDeleted": deleted,
        "AccountId": o.account_id,
        "Name": o.name,
        "StageName": o.stage_name,
        "Amount": _number(o.amount),
        "CurrencyIsoCode": o.currency,
        "CloseDate": format_date(o.close_date),
        "IsClosed": o.is_closed,
        "IsWon": o.is_won,
        "Probability": float(o.probability),
        "Type": o.type,
        "OwnerId": o.owner_id,
        **_audit(o, deleted_at),
    }


def _full_name(first: str | None, last: str) -> str:
    return f"{first} {last}" if first else last


def _number(value: Any) -> float | None:
    # Salesforce sends currency as a JSON number (12000.0), never a string.
    return None if value is None else float(value)


def render_crm(
    crm: CrmPlan, deleted: Mapping[str, datetime | None] | Iterable[str] | None = None
) -> dict[str, list[Record]]:
    """Every sObject's records, in plan order, keyed by object name.

    `deleted` names records in the recycle bin (IsDeleted = true); given as a mapping, its
    values are the deletion instants, which bump LastModifiedDate/SystemModstamp as a real
    delete does (so `queryAll … WHERE SystemModstamp > cursor` sees the delete).
    """
    when: dict[str, datetime | None]
    if deleted is None:
        when = {}
    elif isinstance(deleted, Mapping):
        when = dict(deleted)
    else:
        when = dict.fromkeys(deleted)

    def flag(record_id: str) -> tuple[bool, datetime | None]:
        return record_id in when, when.get(record_id)

    # Converting a lead edits it when the opportunity it became is created.
    opened = {o.opportunity_id: o.created_at for o in crm.opportunities}

    def converted(ld: Lead) -> datetime | None:
        return opened.get(ld.converted_opportunity_id or "") if ld.is_converted else None

    return {
        "User": [_user(u) for u in crm.users],
        "Account": [_account(a, *flag(a.account_id)) for a in crm.accounts],
        "Contact": [_contact(c, *flag(c.contact_id)) for c in crm.contacts],
        "Lead": [_lead(ld, *flag(ld.lead_id), converted(ld)) for ld in crm.leads],
        "Opportunity": [_opportunity(o, *flag(o.opportunity_id)) for o in crm.opportunities],
    }
