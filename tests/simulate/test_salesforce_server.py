"""The simulated Salesforce, driven through the real `simple_salesforce` client over TLS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from revtruth.simulate.company.ids import id18
from revtruth.simulate.company.plan import (
    Account,
    Contact,
    CrmPlan,
    Lead,
    Opportunity,
    SalesforceUser,
)
from revtruth.simulate.salesforce.server import SalesforceServer
from revtruth.simulate.salesforce.sobjects import SOBJECTS

T0 = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
CREDENTIALS = {
    "username": "admin@sim.example",
    "password": "hunter2",
    "client_id": "3MVG9simulated",
    "client_secret": "s3cret",
    "security_token": "TOKEN1",
}
N_ACCOUNTS = 23
PAGE = 5
OWNER = id18("0055e0000000Own")
DELETED_ACCOUNT = id18("0015e0000000007")
DELETED_AT = T0 + timedelta(days=100)


def make_plan(n_accounts: int = N_ACCOUNTS) -> CrmPlan:
    accounts = [
        Account(
            id18(f"0015e{i:010d}"),
            f"co_{i:04d}",
            f"Company {i:02d}",
            f"www.c{i}.com",
            "Customer" if i % 2 else "Prospect",
            "Software",
            OWNER,
            T0 + timedelta(days=i),
            number_of_employees=10 * i or None,
            stripe_customer_id=f"cus_{i:04d}" if i % 3 == 0 else None,
        )
        for i in range(n_accounts)
    ]
    return CrmPlan(
        users=[SalesforceUser(OWNER, "Olive Owner", "olive@sim.example", True, T0)],
        accounts=accounts,
        contacts=[
            Contact(
                id18("0035e0000000001"),
                accounts[0].account_id,
                "Ada",
                "Lovelace",
                "ada@c0.com",
                None,
                T0,
            )
        ],
        leads=[
            Lead(
                id18("00Q5e0000000001"),
                "Bob",
                "Bell",
                "Company 01",
                "bob@c1.com",
                "Closed - Converted",
                True,
                accounts[1].account_id,
                id18("0065e0000000001"),
                "Web",
                T0,
            )
        ],
        opportunities=[
            Opportunity(
                id18("0065e0000000001"),
                accounts[1].account_id,
                "Company 01 - New",
                "Closed Won",
                Decimal("12000.50"),
                "EUR",
                date(2024, 2, 1),
                True,
                True,
                OWNER,
                "New Business",
                T0 + timedelta(days=3),
                probability=100,
            )
        ],
    )


@pytest.fixture(autouse=True)
def _no_ca_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a Session's `verify`
    # (psf/requests#3829); clear them so the session's own CA bundle is what is tested.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def server() -> Iterator[SalesforceServer]:
    with SalesforceServer(
        make_plan(), page_size=PAGE, deleted_ids={DELETED_ACCOUNT: DELETED_AT}, **CREDENTIALS
    ) as running:
        yield running


def session_for(server: SalesforceServer) -> requests.Session:
    session = requests.Session()
    session.verify = server.ca_bundle_path
    return session


def get_token(server: SalesforceServer, **overrides: str) -> requests.Response:
    form = {
        "grant_type": "password",
        "client_id": CREDENTIALS["client_id"],
        "client_secret": CREDENTIALS["client_secret"],
        "username": CREDENTIALS["username"],
        "password": CREDENTIALS["password"] + CREDENTIALS["security_token"],
        **overrides,
    }
    return session_for(server).post(f"{server.login_url}/services/oauth2/token", data=form)


@pytest.fixture
def sf(server: SalesforceServer) -> Salesforce:
    token = get_token(server).json()["access_token"]
    return Salesforce(
        instance_url=server.instance_url,
        session_id=token,
        session=session_for(server),
        version="59.0",
    )


def test_password_grant_returns_a_salesforce_token(server: SalesforceServer) -> None:
    response = get_token(server)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == server.instance_url
    assert body["id"].endswith(f"/{OWNER}")
    assert body["issued_at"].isdigit()


def test_client_credentials_grant(server: SalesforceServer) -> None:
    response = get_token(server, grant_type="client_credentials", username="", password="")
    assert response.status_code == 200
    assert response.json()["access_token"]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"password": "hunter2"}, "invalid_grant"),  # security token missing
        ({"username": "someone@else"}, "invalid_grant"),
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "wrong"}, "invalid_client_id"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
    ],
)
def test_bad_credentials(server: SalesforceServer, overrides: dict[str, str], error: str) -> None:
    response = get_token(server, **overrides)
    assert response.status_code == 400
    assert response.json()["error"] == error
    if error == "invalid_grant":
        assert response.json()["error_description"] == "authentication failure"


def test_query_all_pages_through_every_record_once(
    server: SalesforceServer, sf: Salesforce
) -> None:
    before = server.requests_by_path
    result = sf.query_all("SELECT Id, Name FROM Account")
    ids = [r["Id"] for r in result["records"]]
    live = N_ACCOUNTS - 1  # one account is in the recycle bin
    assert len(ids) == len(set(ids)) == live
    assert DELETED_ACCOUNT not in ids
    after = server.requests_by_path
    cursor_calls = sum(
        n - before.get(path, 0)
        for path, n in after.items()
        if path.startswith("/services/data/v59.0/query/01g")
    )
    assert cursor_calls == -(-live // PAGE) - 1  # every page after the first


def test_first_page_shape(sf: Salesforce) -> None:
    page = sf.query("SELECT name, Id, numberofemployees FROM account ORDER BY Name")
    assert page["totalSize"] == N_ACCOUNTS - 1
    assert page["done"] is False
    assert len(page["records"]) == PAGE
    assert page["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert page["nextRecordsUrl"].endswith(f"-{PAGE}")
    first = page["records"][0]
    assert list(first) == ["attributes", "Name", "Id", "NumberOfEmployees"]
    assert first["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v59.0/sobjects/Account/{first['Id']}",
    }
    assert first["Name"] == "Company 00" and first["NumberOfEmployees"] is None
    # the locator also works through simple-salesforce's id form and the queryAll path
    more = sf.query_more(page["nextRecordsUrl"].rsplit("/", 1)[1], include_deleted=True)
    assert more["records"][0]["Name"] == "Company 05"


def test_query_all_iter_is_lazy_and_complete(server: SalesforceServer, sf: Salesforce) -> None:
    before = server.request_count
    records = sf.query_all_iter("SELECT Id FROM Account ORDER BY CreatedDate DESC")
    first = next(records)
    assert server.request_count == before + 1
    rest = list(records)
    assert len(rest) + 1 == N_ACCOUNTS - 1
    assert first["Id"] == id18(f"0015e{N_ACCOUNTS - 1:010d}")


def test_query_all_includes_deleted_records(sf: Salesforce) -> None:
    result = sf.query_all("SELECT Id, IsDeleted, SystemModstamp FROM Account", include_deleted=True)
    assert result["totalSize"] == N_ACCOUNTS
    deleted = [r for r in result["records"] if r["IsDeleted"]]
    assert [r["Id"] for r in deleted] == [DELETED_ACCOUNT]
    assert deleted[0]["SystemModstamp"] == DELETED_AT.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    assert sf.query("SELECT COUNT() FROM Account WHERE IsDeleted = true")["totalSize"] == 0


def test_where_on_system_modstamp(sf: Salesforce) -> None:
    cutoff = T0 + timedelta(days=10, hours=-1)
    soql = (
        "SELECT Id, SystemModstamp FROM Account "
        f"WHERE SystemModstamp > {cutoff.strftime('%Y-%m-%dT%H:%M:%SZ')} "
        "ORDER BY SystemModstamp"
    )
    records = sf.query_all(soql, include_deleted=True)["records"]
    expected = [id18(f"0015e{i:010d}") for i in range(10, N_ACCOUNTS) if i != 7]
    assert [r["Id"] for r in records] == [*expected, DELETED_ACCOUNT]
    # the same instant with an explicit offset
    shifted = soql.replace(
        cutoff.strftime("%Y-%m-%dT%H:%M:%SZ"),
        (cutoff + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00"),
    )
    assert sf.query_all(shifted, include_deleted=True)["records"] == records


def test_values_are_rendered_as_salesforce_json(sf: Salesforce) -> None:
    opp = sf.query(
        "SELECT Id, Amount, CurrencyIsoCode, CloseDate, IsWon, Probability, "
        "CreatedDate, LastModifiedDate FROM Opportunity"
    )["records"][0]
    assert opp["Amount"] == 12000.5 and isinstance(opp["Amount"], float)
    assert opp["CurrencyIsoCode"] == "EUR"
    assert opp["CloseDate"] == "2024-02-01"
    assert opp["IsWon"] is True
    assert opp["Probability"] == 100
    assert opp["CreatedDate"] == "2024-01-18T10:00:00.000+0000"
    assert opp["LastModifiedDate"] == opp["CreatedDate"]  # the plan knows no later edit
    lead = sf.query("SELECT Name, IsConverted, LastModifiedDate FROM Lead")["records"][0]
    assert lead["Name"] == "Bob Bell" and lead["IsConverted"] is True
    assert lead["LastModifiedDate"] == opp["CreatedDate"]  # conversion is an edit
    account = sf.Account.get(id18("0015e0000000003"))
    assert account["Stripe_Customer_Id__c"] == "cus_0003"
    assert account["LastModifiedDate"] == account["CreatedDate"]


def test_count_query(sf: Salesforce) -> None:
    result = sf.query("SELECT COUNT() FROM Account WHERE Type = 'Customer'")
    # odd-numbered accounts are customers; account 7 is in the recycle bin
    assert result == {"totalSize": 10, "done": True, "records": []}


def test_describe(sf: Salesforce) -> None:
    describe = sf.Account.describe()
    assert describe["name"] == "Account"
    fields = {f["name"]: f for f in describe["fields"]}
    assert list(fields) == [f.name for f in SOBJECTS["Account"].fields]
    assert fields["Id"]["type"] == "id" and fields["Id"]["nillable"] is False
    assert fields["SystemModstamp"]["type"] == "datetime"
    assert fields["Stripe_Customer_Id__c"]["custom"] is True
    assert fields["OwnerId"]["referenceTo"] == ["User"]
    assert [v["value"] for v in fields["Type"]["picklistValues"]] == ["Customer", "Prospect"]
    assert {f["name"] for f in sf.Opportunity.describe()["fields"]} >= {"Amount", "CloseDate"}
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert names == {"User", "Account", "Contact", "Lead", "Opportunity"}
    with pytest.raises(SalesforceResourceNotFound):
        sf.Widget__c.describe()


def test_versions_resources_and_limits_header(server: SalesforceServer, sf: Salesforce) -> None:
    versions = session_for(server).get(f"{server.instance_url}/services/data/").json()
    assert versions[-1] == {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"}
    assert sf.restful("")["query"] == "/services/data/v59.0/query"
    assert sf.api_usage["api-usage"].total == 15000
    assert sf.api_usage["api-usage"].used > 0
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("nothing/here")


def test_bad_token_is_an_expired_session(server: SalesforceServer) -> None:
    sf = Salesforce(
        instance_url=server.instance_url,
        session_id="00Dbogus!token",
        session=session_for(server),
        version="59.0",
    )
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.query("SELECT Id FROM Account")
    assert caught.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_revoked_tokens_expire() -> None:
    with SalesforceServer(make_plan(2), **CREDENTIALS) as server:
        token = get_token(server).json()["access_token"]
        sf = Salesforce(
            instance_url=server.instance_url,
            session_id=token,
            session=session_for(server),
            version="59.0",
        )
        assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 1
        server.revoke_tokens()
        with pytest.raises(SalesforceExpiredSession):
            sf.query("SELECT COUNT() FROM User")


def test_malformed_query(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM Account WHERE")
    assert caught.value.content[0]["errorCode"] == "MALFORMED_QUERY"
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM Widget")
    assert caught.value.content[0]["errorCode"] == "INVALID_TYPE"
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id, Revenue FROM Account")
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query_more("01g5e0000099999AAA-5")
    assert caught.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_tls_is_real(server: SalesforceServer) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{server.instance_url}/services/data/", timeout=5)
    # a failed handshake leaves the server serving
    assert session_for(server).get(f"{server.instance_url}/services/data/").status_code == 200


def test_batch_size_header_sets_the_page_size() -> None:
    with SalesforceServer(make_plan(450), **CREDENTIALS) as server:
        token = get_token(server).json()["access_token"]
        sf = Salesforce(
            instance_url=server.instance_url,
            session_id=token,
            session=session_for(server),
            version="59.0",
        )
        assert len(sf.query("SELECT Id FROM Account")["records"]) == 450
        headers = {"Sforce-Query-Options": "batchSize=200"}
        page = sf.query("SELECT Id FROM Account", headers=headers)
        assert len(page["records"]) == 200 and page["nextRecordsUrl"].endswith("-200")
        # a hint under Salesforce's minimum of 200 still gives 200
        page = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=50"})
        assert len(page["records"]) == 200
        records = sf.query_all("SELECT Id FROM Account", headers=headers)["records"]
        assert len({r["Id"] for r in records}) == 450
        bundle = server.ca_bundle_path
    assert not os.path.exists(bundle)  # stop() removes the temporary CA


def test_load_swaps_the_data(server: SalesforceServer) -> None:
    with SalesforceServer(make_plan(3), **CREDENTIALS) as other:
        token = get_token(other).json()["access_token"]
        sf = Salesforce(
            instance_url=other.instance_url,
            session_id=token,
            session=session_for(other),
            version="59.0",
        )
        assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 3
        other.load(make_plan(5), deleted_ids={id18("0015e0000000000")})
        assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 4
        assert sf.query_all("SELECT Id FROM Account", include_deleted=True)["totalSize"] == 5
