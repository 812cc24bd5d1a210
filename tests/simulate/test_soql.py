"""The SOQL subset evaluator, on tiny inline records."""

from __future__ import annotations

import pytest

from revtruth.simulate.salesforce.soql import SoqlError, parse_query, run_query

SCHEMA = {
    "Account": {
        "Id": "id",
        "Name": "string",
        "Type": "picklist",
        "NumberOfEmployees": "int",
        "AnnualRevenue": "currency",
        "IsDeleted": "boolean",
        "CreatedDate": "datetime",
        "CloseDate": "date",
    },
    "Contact": {"Id": "id", "AccountId": "reference", "LastName": "string"},
}

RECORDS = [
    {
        "Id": "001000000000001AAA",
        "Name": "Acme",
        "Type": "Customer",
        "NumberOfEmployees": 50,
        "AnnualRevenue": 1000.5,
        "IsDeleted": False,
        "CreatedDate": "2024-01-15T10:00:00.000+0000",
        "CloseDate": "2024-02-01",
    },
    {
        "Id": "001000000000002AAA",
        "Name": "beta 50% off",
        "Type": "Prospect",
        "NumberOfEmployees": 5,
        "AnnualRevenue": None,
        "IsDeleted": False,
        "CreatedDate": "2024-01-15T09:59:59.000+0000",
        "CloseDate": None,
    },
    {
        "Id": "001000000000003AAA",
        "Name": "Gamma_Co",
        "Type": None,
        "NumberOfEmployees": None,
        "AnnualRevenue": 250.0,
        "IsDeleted": True,
        "CreatedDate": "2024-03-01T00:00:00.000+0000",
        "CloseDate": "2024-01-31",
    },
    {
        "Id": "001000000000004AAA",
        "Name": "O'Brien \\ Sons",
        "Type": "Customer",
        "NumberOfEmployees": 500,
        "AnnualRevenue": 99.0,
        "IsDeleted": False,
        "CreatedDate": "2023-12-31T23:00:00.000+0000",
        "CloseDate": "2024-02-01",
    },
]


def names(soql: str) -> list[str]:
    return [r["Name"] for r in run_query(parse_query(soql, SCHEMA), RECORDS)]


def where(condition: str) -> set[str]:
    return set(names(f"SELECT Name FROM Account WHERE {condition}"))


def fails(soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        parse_query(soql, SCHEMA)
    return caught.value


def test_select_echoes_canonical_casing_in_select_order() -> None:
    query = parse_query("select name, ID, numberofemployees from ACCOUNT", SCHEMA)
    assert query.sobject == "Account"
    assert query.fields == ("Name", "Id", "NumberOfEmployees")
    assert list(query.project(RECORDS[0]).items()) == [
        ("Name", "Acme"),
        ("Id", "001000000000001AAA"),
        ("NumberOfEmployees", 50),
    ]
    assert parse_query("SELECT Account.Name FROM Account", SCHEMA).fields == ("Name",)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("NumberOfEmployees = 50", {"Acme"}),
        ("NumberOfEmployees != 50", {"beta 50% off", "Gamma_Co", "O'Brien \\ Sons"}),
        ("NumberOfEmployees <> 50", {"beta 50% off", "Gamma_Co", "O'Brien \\ Sons"}),
        ("NumberOfEmployees < 50", {"beta 50% off"}),
        ("NumberOfEmployees <= 50", {"Acme", "beta 50% off"}),
        ("NumberOfEmployees > 50", {"O'Brien \\ Sons"}),
        ("NumberOfEmployees >= 50.0", {"Acme", "O'Brien \\ Sons"}),
        ("AnnualRevenue > 100", {"Acme", "Gamma_Co"}),
        ("AnnualRevenue = null", {"beta 50% off"}),
        ("AnnualRevenue != null", {"Acme", "Gamma_Co", "O'Brien \\ Sons"}),
        ("NumberOfEmployees > -1", {"Acme", "beta 50% off", "O'Brien \\ Sons"}),
        ("Name = 'ACME'", {"Acme"}),  # text comparison ignores case, as Salesforce's does
        ("Name < 'b'", {"Acme"}),
        ("Type != 'Customer'", {"beta 50% off", "Gamma_Co"}),  # != keeps nulls
        ("IsDeleted = true", {"Gamma_Co"}),
        ("IsDeleted = FALSE", {"Acme", "beta 50% off", "O'Brien \\ Sons"}),
        ("CloseDate = 2024-02-01", {"Acme", "O'Brien \\ Sons"}),
        ("CloseDate < 2024-02-01", {"Gamma_Co"}),
        ("Id = '001000000000002'", {"beta 50% off"}),  # 15-char id equals its 18-char form
        ("Name = 'O\\'Brien \\\\ Sons'", {"O'Brien \\ Sons"}),
    ],
)
def test_comparison_operators(condition: str, expected: set[str]) -> None:
    assert where(condition) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("CreatedDate > 2024-01-15T09:59:59Z", {"Acme", "Gamma_Co"}),
        ("CreatedDate >= 2024-01-15T10:00:00Z", {"Acme", "Gamma_Co"}),
        # the same instant written in other zones and forms
        ("CreatedDate = 2024-01-15T11:00:00+01:00", {"Acme"}),
        ("CreatedDate = 2024-01-15T05:00:00-05:00", {"Acme"}),
        ("CreatedDate = 2024-01-15T10:00:00.000+0000", {"Acme"}),
        ("CreatedDate < 2024-01-01T00:30:00+01:00", {"O'Brien \\ Sons"}),
    ],
)
def test_datetime_comparison_compares_instants(condition: str, expected: set[str]) -> None:
    assert where(condition) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("'a%'", {"Acme"}),  # case-insensitive
        ("'%co'", {"Gamma_Co"}),
        ("'%50\\% off'", {"beta 50% off"}),  # escaped wildcard is literal
        ("'Gamma\\_Co'", {"Gamma_Co"}),
        ("'Gamma_Co'", {"Gamma_Co"}),  # _ matches any single character
        ("'Acm_'", {"Acme"}),
        ("'Acm'", set()),  # LIKE matches the whole value
        ("'%'", {"Acme", "beta 50% off", "Gamma_Co", "O'Brien \\ Sons"}),
    ],
)
def test_like(pattern: str, expected: set[str]) -> None:
    assert where(f"Name LIKE {pattern}") == expected


def test_in_and_not_in() -> None:
    assert where("Type IN ('customer', 'Partner')") == {"Acme", "O'Brien \\ Sons"}
    assert where("Type NOT IN ('Customer')") == {"beta 50% off", "Gamma_Co"}
    assert where("Type IN (null, 'Prospect')") == {"beta 50% off", "Gamma_Co"}
    assert where("NumberOfEmployees IN (5, 500)") == {"beta 50% off", "O'Brien \\ Sons"}
    assert where("CloseDate IN (2024-01-31)") == {"Gamma_Co"}


def test_and_or_not_and_parentheses() -> None:
    assert where("Type = 'Customer' AND NumberOfEmployees > 100") == {"O'Brien \\ Sons"}
    assert where("Type = 'Prospect' OR IsDeleted = true OR Name = 'Acme'") == {
        "beta 50% off",
        "Gamma_Co",
        "Acme",
    }
    # NOT binds to the single expression after it
    assert where("NOT Type = 'Customer' AND IsDeleted = false") == {"beta 50% off"}
    assert where("NOT (Type = 'Customer' OR IsDeleted = true)") == {"beta 50% off"}
    assert where("(Type = 'Customer' AND NumberOfEmployees < 100) OR IsDeleted = true") == {
        "Acme",
        "Gamma_Co",
    }
    assert where("Type = 'Customer' AND (NumberOfEmployees < 100 OR IsDeleted = true)") == {"Acme"}


def test_mixing_and_with_or_needs_parentheses() -> None:
    error = fails("SELECT Name FROM Account WHERE Name = 'a' AND Type = 'b' OR IsDeleted = true")
    assert error.error_code == "MALFORMED_QUERY"
    assert "unexpected token: 'OR'" in error.message


def test_order_by_and_limit() -> None:
    assert names("SELECT Name FROM Account ORDER BY NumberOfEmployees DESC NULLS LAST LIMIT 2") == [
        "O'Brien \\ Sons",
        "Acme",
    ]
    # nulls sort first by default, in either direction
    assert names("SELECT Name FROM Account ORDER BY NumberOfEmployees")[0] == "Gamma_Co"
    assert names("SELECT Name FROM Account ORDER BY NumberOfEmployees DESC")[0] == "Gamma_Co"
    assert names("SELECT Name FROM Account ORDER BY NumberOfEmployees NULLS LAST")[-1] == (
        "Gamma_Co"
    )
    # case-insensitive text order; later keys break ties in their own direction
    assert names("SELECT Name FROM Account ORDER BY Name") == [
        "Acme",
        "beta 50% off",
        "Gamma_Co",
        "O'Brien \\ Sons",
    ]
    assert names(
        "SELECT Name FROM Account WHERE Type != null ORDER BY Type DESC, CreatedDate ASC"
    ) == ["beta 50% off", "O'Brien \\ Sons", "Acme"]
    assert names("SELECT Name FROM Account ORDER BY CreatedDate LIMIT 2 OFFSET 1") == [
        "beta 50% off",
        "Acme",
    ]
    assert names("SELECT Name FROM Account LIMIT 0") == []


def test_count() -> None:
    query = parse_query("SELECT COUNT() FROM Account WHERE IsDeleted = false", SCHEMA)
    assert query.count_only and query.fields == ()
    assert len(run_query(query, RECORDS)) == 3


def test_unknown_object() -> None:
    error = fails("SELECT Id FROM Widget")
    assert error.error_code == "INVALID_TYPE"
    assert "sObject type 'Widget' is not supported." in error.message
    assert "ERROR at Row:1:Column:16" in error.message


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id, Revenue FROM Account",
        "SELECT Id FROM Account WHERE Revenue > 5",
        "SELECT Id FROM Account ORDER BY Revenue",
        "SELECT Id FROM Account WHERE Owner.Name = 'x'",
    ],
)
def test_unknown_field(soql: str) -> None:
    error = fails(soql)
    assert error.error_code == "INVALID_FIELD"
    assert "Revenue' on entity 'Account'" in error.message or "relationship 'Owner'" in (
        error.message
    )


@pytest.mark.parametrize(
    ("soql", "fragment"),
    [
        (
            "SELECT Id FROM Account WHERE CreatedDate > '2024-01-01T00:00:00Z'",
            "field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes",
        ),
        ("SELECT Id FROM Account WHERE CreatedDate > 2024-01-01", "must be of type dateTime"),
        ("SELECT Id FROM Account WHERE CloseDate > 2024-01-01T00:00:00Z", "type date"),
        (
            "SELECT Id FROM Account WHERE Name = 5",
            "field 'Name' must be of type string and should be enclosed in quotes",
        ),
        ("SELECT Id FROM Account WHERE IsDeleted = 'true'", "must be of type boolean"),
        ("SELECT Id FROM Account WHERE NumberOfEmployees > '5'", "must be of type integer"),
    ],
)
def test_literal_must_fit_the_field_type(soql: str, fragment: str) -> None:
    error = fails(soql)
    assert error.error_code == "INVALID_FIELD"
    assert fragment in error.message


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT FROM Account",
        "SELECT Id Account",
        "SELECT Id FROM Account WHERE",
        "SELECT Id FROM Account WHERE Name = 'open",
        "SELECT Id FROM Account WHERE Name == 'x'",
        "SELECT Id FROM Account WHERE (Name = 'x'",
        "SELECT Id FROM Account LIMIT many",
        "SELECT Id FROM Account ORDER Name",
        "SELECT Id FROM Account extra",
        "SELECT Id, Id FROM Account",
        "SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T00:00:00",
        "SELECT Id FROM Account WHERE Name = 'a\\_b'",
        "SELECT Id FROM Account WHERE CreatedDate = TODAY",
        "DELETE FROM Account",
    ],
)
def test_malformed(soql: str) -> None:
    assert fails(soql).error_code == "MALFORMED_QUERY"


def test_error_points_at_row_and_column() -> None:
    error = fails("SELECT Id\nFROM Account\nWHERE Nme = 'x'")
    assert error.message.startswith("\nWHERE Nme = 'x'\n      ^\nERROR at Row:3:Column:7\n")
