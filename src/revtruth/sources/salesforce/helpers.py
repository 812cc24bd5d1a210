"""Salesforce session login and paged SOQL reads through simple-salesforce."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.exceptions import ChunkedEncodingError
from simple_salesforce import Salesforce

from revtruth.sources import SourceError
from revtruth.sources.salesforce.settings import CURSOR_FIELD, SKIPPED_FIELD_TYPES


class SalesforceLoginError(SourceError):
    pass


# Transient failures are asked again this many times, after 0.5, 1, 2, 4, 8 s (or the
# server's Retry-After): Salesforce answers 503 when too many requests run at once and 500
# when it stumbles, and a connection can drop or a body arrive cut short.
RETRIES = 5
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


class SalesforceUnreachable(SourceError):
    """Salesforce could not be read: a network problem or an outage, worth trying later."""


class SalesforceQuotaReached(SourceError):
    """The org's daily API allowance is spent (REQUEST_LIMIT_EXCEEDED): nothing more can be
    read until the rolling 24 hours free some of it."""


class ApiBudget:
    """How much of the org's daily API allowance revtruth may use, and how much is used.

    Salesforce counts every REST call against a rolling 24-hour limit shared by every
    integration of the org, and says where the org stands in each response's
    `Sforce-Limit-Info: api-usage=used/limit` header. A sync stops asking once the org's
    usage reaches `share` of the limit, so other integrations keep their part."""

    def __init__(self, share: float) -> None:
        self.share = share
        self.used: int | None = None
        self.limit: int | None = None

    def observe(self, header: str | None) -> None:
        for part in (header or "").split(","):
            name, _, value = part.strip().partition("=")
            used, _, limit = value.partition("/")
            if name == "api-usage" and used.isdigit() and limit.isdigit():
                self.used, self.limit = int(used), int(limit)

    @property
    def reached(self) -> bool:
        return self.used is not None and bool(self.limit) and self.used >= self.share * self.limit

    def describe(self) -> str:
        if self.used is None:
            return "the org's daily API limit"
        return (
            f"{self.used:,} of the org's {self.limit:,} daily API requests used, "
            f"revtruth's budget being {self.share:.0%} of them"
        )


class _Session(requests.Session):
    """The session simple-salesforce sends every request through (login, describe, query).

    It verifies TLS against `ca_bundle` when given: requests lets REQUESTS_CA_BUNDLE /
    CURL_CA_BUNDLE override `Session.verify` (psf/requests#3829), so the bundle is passed on
    every request; proxies from the environment still apply. It gives every request a
    timeout, reads each body whole before handing it on (a body cut short fails here, where
    it can be asked again), and retries transient failures with backoff."""

    def __init__(
        self,
        ca_bundle: str | None = None,
        budget: ApiBudget | None = None,
        timeout_seconds: float = 60,
    ):
        super().__init__()
        self._ca_bundle = ca_bundle
        if ca_bundle:
            self.verify = ca_bundle
        self.budget = budget or ApiBudget(1.0)
        self._timeout = (min(10, timeout_seconds), timeout_seconds)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any):  # type: ignore[override]
        if self._ca_bundle:
            kwargs.setdefault("verify", self._ca_bundle)
        kwargs.setdefault("timeout", self._timeout)
        for attempt in range(RETRIES + 1):
            delay = min(0.5 * 2**attempt, 8.0)
            try:
                response = super().request(method, url, *args, **kwargs)
                response.content  # noqa: B018 - read it all now
            except requests.exceptions.SSLError:
                raise  # a certificate refused is no network problem: trying later won't help
            except (requests.ConnectionError, requests.Timeout, ChunkedEncodingError) as exc:
                if attempt == RETRIES:
                    host = urlsplit(str(url)).netloc
                    raise SalesforceUnreachable(
                        f"Salesforce at {host} could not be read ({type(exc).__name__}); a "
                        "network problem, so running `revtruth sync salesforce` again later "
                        "may succeed"
                    ) from exc
            else:
                self.budget.observe(response.headers.get("Sforce-Limit-Info"))
                if response.status_code == 403 and b"REQUEST_LIMIT_EXCEEDED" in response.content:
                    raise SalesforceQuotaReached(
                        f"Salesforce at {urlsplit(str(url)).netloc} refuses every request: the "
                        "org's daily API limit is spent (REQUEST_LIMIT_EXCEEDED)"
                    )
                if response.status_code not in _TRANSIENT_STATUSES or attempt == RETRIES:
                    return response
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    delay = min(float(retry_after), 30.0)
            time.sleep(delay * (1 + random.random() / 4))
        raise AssertionError("unreachable")


def http_session(
    ca_bundle: str | None, budget: ApiBudget | None = None, timeout_seconds: float = 60
) -> requests.Session:
    """A session that verifies TLS against `ca_bundle` when given (corporate proxies, the
    simulator) and the system's trust store otherwise (never turned off), with a timeout on
    every request (up to 10 s to connect, `timeout_seconds` for each read), retries of
    transient failures, and the org's API usage kept in `budget`."""
    return _Session(ca_bundle, budget, timeout_seconds)


def login(
    session: requests.Session,
    login_url: str,
    *,
    client_id: str,
    client_secret: str,
    username: str | None = None,
    password: str | None = None,
    security_token: str = "",
) -> tuple[str, str]:
    """OAuth 2.0 token request (username-password flow when a username is given, else client
    credentials). Returns (instance_url, access_token)."""
    form = {"client_id": client_id, "client_secret": client_secret}
    if username:
        form.update(
            grant_type="password", username=username, password=(password or "") + security_token
        )
    else:
        form["grant_type"] = "client_credentials"
    response = session.post(f"{login_url.rstrip('/')}/services/oauth2/token", data=form)
    if response.status_code != 200:
        try:
            detail = response.json().get("error_description") or response.json().get("error")
        except ValueError:
            detail = response.text[:200]
        raise SalesforceLoginError(
            f"Salesforce login at {login_url} failed ({response.status_code}): {detail}"
        )
    body = response.json()
    return body["instance_url"], body["access_token"]


def connect(
    *,
    login_url: str,
    instance_url: str | None,
    api_version: str,
    ca_bundle: str | None,
    client_id: str | None,
    client_secret: str | None,
    username: str | None,
    password: str | None,
    security_token: str | None,
    session_id: str | None,
    budget: ApiBudget | None = None,
    timeout_seconds: float = 60,
) -> Salesforce:
    session = http_session(ca_bundle, budget, timeout_seconds)
    if not (instance_url and session_id):
        if not (client_id and client_secret):
            raise SalesforceLoginError(
                "Salesforce needs client_id and client_secret (and username/password for the "
                "password flow), or instance_url and session_id"
            )
        instance_url, session_id = login(
            session,
            login_url,
            client_id=client_id,
            client_secret=client_secret,
            username=username,
            password=password,
            security_token=security_token or "",
        )
    # Amounts parse as Decimal: a float would turn 0.1 into 0.1000000000000000055…
    return Salesforce(
        instance_url=instance_url,
        session_id=session_id,
        session=session,
        version=api_version,
        parse_float=Decimal,
    )


# Salesforce field types -> dlt data types; what is not listed is left to dlt's inference.
_DLT_TYPES = {
    "currency": {"data_type": "decimal", "precision": 18, "scale": 2},
    "percent": {"data_type": "decimal", "precision": 18, "scale": 4},
    "double": {"data_type": "decimal", "precision": 38, "scale": 9},
    "int": {"data_type": "bigint"},
    "boolean": {"data_type": "bool"},
    "date": {"data_type": "date"},
    "datetime": {"data_type": "timestamp"},
}


def describe_fields(sf: Salesforce, sobject: str) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The selectable field names and a dlt column hint for each typed one, from describe.

    Hints make empty columns exist and money exact even when no record has a value yet."""
    fields, hints = [], {}
    for field in getattr(sf, sobject).describe()["fields"]:
        if field.get("type") in SKIPPED_FIELD_TYPES:
            continue
        fields.append(field["name"])
        hints[field["name"]] = {
            "name": field["name"],
            "nullable": True,
            **_DLT_TYPES.get(field.get("type"), {"data_type": "text"}),
        }
    return fields, hints


def soql_datetime(value: str | datetime) -> str:
    """A Salesforce datetime string or datetime as a SOQL literal (2024-01-15T10:00:00Z)."""
    if isinstance(value, str):
        value = datetime.strptime(value.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + value.strftime("%z").replace("+0000", "Z")


def query_pages(sf: Salesforce, soql: str) -> Iterator[list[dict[str, Any]]]:
    """Run SOQL with queryAll (so deletions arrive as IsDeleted = true) and yield each page."""
    page = sf.query(soql, include_deleted=True)
    while True:
        records = [{k: v for k, v in r.items() if k != "attributes"} for r in page["records"]]
        if records:
            yield records
        if page.get("done", True):
            return
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True, include_deleted=True)


def incremental_soql(sobject: str, fields: list[str], since: str) -> str:
    return (
        f"SELECT {', '.join(fields)} FROM {sobject} "
        f"WHERE {CURSOR_FIELD} >= {soql_datetime(since)} ORDER BY {CURSOR_FIELD} ASC"
    )
