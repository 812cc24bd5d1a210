"""describeGlobal and describe bodies for the simulated org's sObjects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from revtruth.simulate.salesforce.sobjects import SOBJECTS, FieldSpec, ObjectSpec
from revtruth.simulate.salesforce.wire import Record

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
