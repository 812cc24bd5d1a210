"""The sObjects the simulated org has: their fields, types and labels, as `describe` reports.

The field order here is the order records carry and `describe` lists. The SOQL evaluator
reads field types from here too (`soql_schema`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
