"""Render a `CrmPlan` as Salesforce REST records and describe metadata.

Records are plain dicts keyed by API field name with values already in the JSON form the
REST API sends (datetimes as `2024-01-15T10:00:00.000+0000`, dates as `2024-01-15`, numbers
as JSON numbers, nulls as None). The server adds `attributes` and projects the SELECTed
fields; the SOQL evaluator reads the same dicts using the field types declared here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class FieldSpec:
    """One field as `describe` reports it (the subset connectors read)."""

    name: str
    type: str  # id, string, url, email, picklist, boolean, currency, double, percent, int, …
    label: str
    nillable: bool
    length: int = 0
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    custom: bool = False
    calculated: bool = False  # compound Name fields Salesforce derives from First/Last


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: tuple[FieldSpec, ...]

    def field_types(self) -> dict[str, str]:
        return {f.name: f.type for f in self.fields}


def _f(
    name: str, type_: str, label: str, nillable: bool = True, length: int = 0, **kw: Any
) -> FieldSpec:
    return FieldSpec(name, type_, label, nillable, length, **kw)


def _audit_fields() -> tuple[FieldSpec, ...]:
    return (
        _f("CreatedDate", "datetime", "Created Date", False),
        _f("LastModifiedDate", "datetime", "Last Modified Date", False),
        _f("SystemModstamp", "datetime", "System Modstamp", False),
    )


def _owner() -> FieldSpec:
    return _f(
        "OwnerId",
        "reference",
        "Owner ID",
        False,
        18,
        reference_to=("User",),
        relationship_name="Owner",
    )


def _account_ref(nillable: bool = True) -> FieldSpec:
    return _f(
        "AccountId",
        "reference",
        "Account ID",
        nillable,
        18,
        reference_to=("Account",),
        relationship_name="Account",
    )


# Field order here is the order records carry and `describe` lists.
SOBJECTS: dict[str, ObjectSpec] = {
    "User": ObjectSpec(
        "User",
        "User",
        "Users",
        "005",
        (
            _f("Id", "id", "User ID", False, 18),
            _f("Username", "string", "Username", False, 80),
            _f("Name", "string", "Full Name", False, 121, calculated=True),
            _f("Email", "email", "Email", False, 128),
            _f("IsActive", "boolean", "Active", False),
            *_audit_fields(),
        ),
    ),
    "Account": ObjectSpec(
        "Account",
        "Account",
        "Accounts",
        "001",
        (
            _f("Id", "id", "Account ID", False, 18),
            _f("IsDeleted", "boolean", "Deleted", False),
            _f("Name", "string", "Account Name", False, 255),
            _f("Type", "picklist", "Account Type", True, 255),
            _f("Industry", "picklist", "Industry", True, 255),
            _f("Website", "url", "Website", True, 255),
            _f("BillingCountry", "string", "Billing Country", True, 80),
            _f("NumberOfEmployees", "int", "Employees", True),
            _owner(),
            *_audit_fields(),
            _f("Stripe_Customer_Id__c", "string", "Stripe Customer Id", True, 255, custom=True),
        ),
    ),
    "Contact": ObjectSpec(
        "Contact",
        "Contact",
        "Contacts",
        "003",
        (
            _f("Id", "id", "Contact ID", False, 18),
            _f("IsDeleted", "boolean", "Deleted", False),
            _account_ref(),
            _f("FirstName", "string", "First Name", True, 40),
            _f("LastName", "string", "Last Name", False, 80),
            _f("Name", "string", "Full Name", False, 121, calculated=True),
            _f("Email", "email", "Email", True, 80),
            _f("Title", "string", "Title", True, 128),
            *_audit_fields(),
        ),
    ),
    "Lead": ObjectSpec(
        "Lead",
        "Lead",
        "Leads",
        "00Q",
        (
            _f("Id", "id", "Lead ID", False, 18),
            _f("IsDeleted", "boolean", "Deleted", False),
            _f("FirstName", "string", "First Name", True, 40),
            _f("LastName", "string", "Last Name", False, 80),
            _f("Name", "string", "Full Name", False, 121, calculated=True),
            _f("Company", "string", "Company", False, 255),
            _f("Email", "email", "Email", True, 80),
            _f("Status", "picklist", "Status", False, 255),
            _f("IsConverted", "boolean", "Converted", False),
            _f(
                "ConvertedAccountId",
                "reference",
                "Converted Account ID",
                True,
                18,
                reference_to=("Account",),
                relationship_name="ConvertedAccount",
            ),
            _f(
                "ConvertedOpportunityId",
                "reference",
                "Converted Opportunity ID",
                True,
                18,
                reference_to=("Opportunity",),
                relationship_name="ConvertedOpportunity",
            ),
            _f("LeadSource", "picklist", "Lead Source", True, 255),
            *_audit_fields(),
        ),
    ),
    "Opportunity": ObjectSpec(
        "Opportunity",
        "Opportunity",
        "Opportunities",
        "006",
        (
            _f("Id", "id", "Opportunity ID", False, 18),
            _f("IsDeleted", "boolean", "Deleted", False),
            _account_ref(),
            _f("Name", "string", "Name", False, 120),
            _f("StageName", "picklist", "Stage", False, 255),
            _f("Amount", "currency", "Amount", True),
            _f("CurrencyIsoCode", "picklist", "Opportunity Currency", True, 3),
            _f("CloseDate", "date", "Close Date", False),
            _f("IsClosed", "boolean", "Closed", False),
            _f("IsWon", "boolean", "Won", False),
            _f("Probability", "percent", "Probability (%)", True),
            _f("Type", "picklist", "Opportunity Type", True, 255),
            _owner(),
            *_audit_fields(),
        ),
    ),
}


def soql_schema() -> dict[str, dict[str, str]]:
    """Object name -> field name -> type, in the form `soql.parse_query` takes."""
    return {name: spec.field_types() for name, spec in SOBJECTS.items()}


# ---------------------------------------------------------------- value formatting


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


# ---------------------------------------------------------------- describe


_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}


def _describe_field(spec: FieldSpec, records: Iterable[Record]) -> dict[str, Any]:
    numeric = spec.type in ("currency", "double", "percent")
    picklist: list[dict[str, Any]] = []
    if spec.type == "picklist":
        # Real orgs list configured values; the values actually present are the closest
        # thing the plan has, and are what a connector would see in data anyway.
        values = sorted({r[spec.name] for r in records if r.get(spec.name) is not None})
        picklist = [
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
            for v in values
        ]
    return {
        "name": spec.name,
        "label": spec.label,
        "type": spec.type,
        "soapType": _SOAP_TYPES.get(spec.type, "xsd:string"),
        "nillable": spec.nillable,
        "custom": spec.custom,
        "length": spec.length,
        "byteLength": spec.length * 3 if spec.type not in ("id", "reference") else spec.length,
        "digits": 9 if spec.type == "int" else 0,
        "precision": 18 if numeric else 0,
        "scale": 2 if spec.type == "currency" else 0,
        "referenceTo": list(spec.reference_to),
        "relationshipName": spec.relationship_name,
        "picklistValues": picklist,
        "calculated": spec.calculated,
        "createable": spec.type != "id" and spec.name not in _SYSTEM_FIELDS,
        "updateable": spec.type != "id" and spec.name not in _SYSTEM_FIELDS,
        "filterable": True,
        "sortable": True,
        "groupable": spec.type not in ("currency", "double", "percent", "datetime"),
        "unique": spec.name == "Username",
        "idLookup": spec.type == "id" or spec.name in ("Username", "Email"),
        "externalId": False,
        "defaultValue": None,
        "defaultedOnCreate": spec.name in _SYSTEM_FIELDS or spec.type == "boolean",
    }


_SYSTEM_FIELDS = frozenset(
    {"IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsClosed", "IsWon"}
)


def sobject_urls(name: str, api_version: str) -> dict[str, str]:
    base = f"/services/data/v{api_version}/sobjects/{name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def global_entry(spec: ObjectSpec, api_version: str) -> dict[str, Any]:
    """One entry of describeGlobal's `sobjects` list (also `objectDescribe`)."""
    return {
        "name": spec.name,
        "label": spec.label,
        "labelPlural": spec.label_plural,
        "keyPrefix": spec.key_prefix,
        "custom": False,
        "customSetting": False,
        "queryable": True,
        "retrieveable": True,
        "replicateable": True,
        "searchable": True,
        "createable": True,
        "updateable": True,
        "deletable": spec.name != "User",
        "undeletable": spec.name != "User",
        "layoutable": True,
        "mergeable": False,
        "deprecatedAndHidden": False,
        "urls": sobject_urls(spec.name, api_version),
    }


def describe_sobject(name: str, records: Iterable[Record], api_version: str) -> dict[str, Any]:
    """`GET /sobjects/{name}/describe` body; `records` feed the picklist values."""
    spec = SOBJECTS[name]
    rows = list(records)
    return {
        **global_entry(spec, api_version),
        "fields": [_describe_field(f, rows) for f in spec.fields],
        "childRelationships": [],
        "recordTypeInfos": [],
    }
