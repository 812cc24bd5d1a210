"""A local Salesforce REST server that `simple-salesforce` talks to unchanged.

simple-salesforce only builds `https://` URLs, so this serves TLS on 127.0.0.1 with a
certificate from a throwaway CA made by `trustme` at start-up; clients trust it through the
CA bundle written to `ca_bundle_path` (verification stays on). It serves the OAuth token
endpoint (password and client-credentials grants), the version and resource lists, SOQL
`query`/`queryAll` with server-side cursors, describeGlobal, describe, record retrieval and
limits, with Salesforce's error bodies and the `Sforce-Limit-Info` header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from revtruth.simulate.company.ids import id18
from revtruth.simulate.company.plan import CrmPlan
from revtruth.simulate.http_server import Request, Response, SimulatedServer
from revtruth.simulate.salesforce.describe import describe_sobject, global_entry
from revtruth.simulate.salesforce.sobjects import SOBJECTS, soql_schema
from revtruth.simulate.salesforce.soql import Query, SoqlError, parse_query, run_query
from revtruth.simulate.salesforce.wire import render_crm

_NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
_BAD_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
_DATA_RE = re.compile(r"^/services/data/v(\d+\.\d)(?:/(.*))?$")
_CURSOR_RE = re.compile(r"^(query|queryAll)/(01g[0-9A-Za-z]{15})-(\d+)$")
_SEASONS = ("Winter", "Spring", "Summer")
_MAX_CURSORS = 100  # Salesforce caps open cursors per user too; old ones just expire


def _same(given: str, expected: str) -> bool:
    # Constant-time like the real thing; bytes so non-ASCII secrets compare instead of raising.
    return hmac.compare_digest(given.encode(), expected.encode())


def _release_label(version: str) -> str:
    # v59.0 was Winter '24 and three releases ship a year.
    offset = int(float(version)) - 59
    return f"{_SEASONS[offset % 3]} '{24 + offset // 3:02d}"


class SalesforceServer(SimulatedServer):
    """Serve a `CrmPlan` as a Salesforce org on https://127.0.0.1:PORT.

    `deleted_ids` puts records in the recycle bin: `query` skips them, `queryAll` returns them
    with IsDeleted = true. A mapping gives each deletion's instant, which also becomes the
    record's LastModifiedDate/SystemModstamp.
    """

    name = "salesforce"
    server_header = "SFDC"
    tls = True  # simple-salesforce only builds https:// URLs

    def __init__(
        self,
        crm: CrmPlan,
        *,
        username: str,
        password: str,
        client_id: str,
        client_secret: str,
        security_token: str = "",
        api_version: str = "59.0",
        port: int = 0,
        page_size: int = 2000,
        deleted_ids: Iterable[str] | Mapping[str, datetime | None] | None = None,
        api_limit: int = 15000,
    ) -> None:
        super().__init__(port=port)
        self.username = username
        self.password = password
        self.client_id = client_id
        self.client_secret = client_secret
        self.security_token = security_token
        self.api_version = api_version
        self.page_size = page_size
        self.api_limit = api_limit
        self._schema = soql_schema()
        self._tokens: set[str] = set()
        self._cursors: OrderedDict[str, tuple[Query, list[dict[str, Any]]]] = OrderedDict()
        self._cursor_serial = 0
        self._api_usage = 0
        self._org_id = id18("00D5e0000000Sim")
        self._user_id = crm.users[0].user_id if crm.users else id18("0055e0000000Sim")
        self._records: dict[str, list[dict[str, Any]]] = {}
        self.load(crm, deleted_ids)

    # ---------------------------------------------------------------- public state

    @property
    def instance_url(self) -> str:
        return self.base_url

    @property
    def login_url(self) -> str:
        return self.base_url

    def load(
        self,
        crm: CrmPlan,
        deleted_ids: Iterable[str] | Mapping[str, datetime | None] | None = None,
    ) -> None:
        """Swap in new org data (e.g. between two incremental syncs); cursors are dropped."""
        records = render_crm(crm, deleted_ids)
        with self._lock:
            self._records = records
            self._cursors.clear()

    def use_api_requests(self, count: int) -> None:
        """Count `count` requests against the daily limit, as other integrations of the
        org would (or set a negative count to give some back, as the rolling day moves)."""
        with self._lock:
            self._api_usage = max(0, self._api_usage + count)

    def revoke_tokens(self) -> None:
        """Expire every session, as a password reset or session timeout would."""
        with self._lock:
            self._tokens.clear()

    # ---------------------------------------------------------------- endpoints

    def fault_response(self, status: int) -> Response:
        # Salesforce answers too many concurrent requests with 503 and a server fault with
        # 500, each a list of errors; it sends no 429
        if status == 429:
            return Response(
                503,
                [{"message": "Server Unavailable", "errorCode": "SERVER_UNAVAILABLE"}],
                {"Retry-After": "1"},
            )
        return Response(
            500, [{"message": "An unexpected error occurred", "errorCode": "UNKNOWN_EXCEPTION"}]
        )

    def respond(self, request: Request) -> Response:
        path, method = request.path, request.method
        if path.rstrip("/") == "/services/oauth2/token":
            if method != "POST":
                body = {"error": "invalid_request", "error_description": "must use HTTP POST"}
                return _json(405, body)
            form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
            return _json(*self.token({k: v[-1] for k, v in form.items()}))
        if path.startswith("/services/data"):
            params = {k: v[-1] for k, v in parse_qs(request.query, keep_blank_values=True).items()}
            status, payload = self.data(method, path, params, request.headers)
            return _json(status, payload, self._limit_header())
        return _json(404, _NOT_FOUND)

    def _limit_header(self) -> dict[str, str]:
        with self._lock:
            return {"Sforce-Limit-Info": f"api-usage={self._api_usage}/{self.api_limit}"}

    def token(self, form: dict[str, str]) -> tuple[int, Any]:
        grant = form.get("grant_type", "")
        if grant not in ("password", "client_credentials"):
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "grant type not supported",
            }
        if not _same(form.get("client_id", ""), self.client_id):
            # Salesforce names an unknown consumer key apart from a wrong secret.
            return 400, {
                "error": "invalid_client_id",
                "error_description": "client identifier invalid",
            }
        if not _same(form.get("client_secret", ""), self.client_secret):
            return 400, {
                "error": "invalid_client",
                "error_description": "invalid client credentials",
            }
        if grant == "password":
            expected = self.password + self.security_token
            if form.get("username") != self.username or not _same(
                form.get("password", ""), expected
            ):
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "authentication failure",
                }
        access_token = f"{self._org_id[:15]}!{secrets.token_urlsafe(72)}"
        with self._lock:
            self._tokens.add(access_token)
        issued_at = str(int(time.time() * 1000))
        identity = f"{self.login_url}/id/{self._org_id}/{self._user_id}"
        digest = hmac.new(
            self.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        ).digest()
        return 200, {
            "access_token": access_token,
            "instance_url": self.instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(digest).decode(),
        }

    def data(
        self, method: str, path: str, params: dict[str, str], headers: Mapping[str, str]
    ) -> tuple[int, Any]:
        """Everything under /services/data."""
        if path.rstrip("/") == "/services/data":
            return 200, [self._version_entry(v) for v in self._versions()]
        match = _DATA_RE.match(path)
        if match is None or match.group(1) not in self._versions():
            return 404, _NOT_FOUND
        auth = headers.get("Authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        with self._lock:
            if token not in self._tokens:
                return 401, _BAD_SESSION
            if self._api_usage >= self.api_limit:
                # the org's rolling 24-hour allowance is spent: every call is refused
                return 403, [
                    {
                        "message": f"TotalRequests Limit exceeded. ({self.api_limit})",
                        "errorCode": "REQUEST_LIMIT_EXCEEDED",
                    }
                ]
            self._api_usage += 1
        if method != "GET":
            return 405, [
                {
                    "errorCode": "METHOD_NOT_ALLOWED",
                    "message": f"HTTP Method '{method}' not allowed. Allowed are GET",
                }
            ]
        rest = (match.group(2) or "").strip("/")
        parts = rest.split("/") if rest else []
        if not parts:
            return 200, self._resources()
        if parts[0] in ("query", "queryAll") and len(parts) == 1:
            return self._query(params.get("q"), parts[0] == "queryAll", headers)
        cursor = _CURSOR_RE.match(rest)
        if cursor:
            return self._more(cursor.group(2), int(cursor.group(3)), headers)
        if parts[0] == "sobjects":
            return self._sobjects(parts[1:], params)
        if parts == ["limits"]:
            with self._lock:
                remaining = self.api_limit - self._api_usage
            return 200, {"DailyApiRequests": {"Max": self.api_limit, "Remaining": remaining}}
        return 404, _NOT_FOUND

    def _versions(self) -> list[str]:
        newest = int(float(self.api_version))
        return [f"{v}.0" for v in range(20, newest + 1)]

    def _version_entry(self, version: str) -> dict[str, str]:
        return {
            "label": _release_label(version),
            "url": f"/services/data/v{version}",
            "version": version,
        }

    def _resources(self) -> dict[str, str]:
        base = f"/services/data/v{self.api_version}"
        return {name: f"{base}/{name}" for name in ("sobjects", "query", "queryAll", "limits")}

    def _page_size(self, headers: Mapping[str, str]) -> int:
        size = self.page_size
        options = headers.get("Sforce-Query-Options", "")
        match = re.search(r"batchSize\s*=\s*(\d+)", options)
        if match:
            # Salesforce honours 200..2000 as a hint; the server's own cap still applies.
            size = min(size, max(200, min(2000, int(match.group(1)))))
        return max(1, size)

    def _query(
        self, soql: str | None, include_deleted: bool, headers: Mapping[str, str]
    ) -> tuple[int, Any]:
        if not soql:
            return 400, [
                {"message": "A query string has to be specified", "errorCode": "MALFORMED_QUERY"}
            ]
        try:
            query = parse_query(soql, self._schema)
        except SoqlError as exc:
            return 400, [{"message": exc.message, "errorCode": exc.error_code}]
        with self._lock:
            rows = self._records[query.sobject]
        if not include_deleted:
            rows = [r for r in rows if not r.get("IsDeleted")]
        matched = run_query(query, rows)
        if query.count_only:
            return 200, {"totalSize": len(matched), "done": True, "records": []}
        if len(matched) <= self._page_size(headers):
            return 200, {
                "totalSize": len(matched),
                "done": True,
                "records": self._page(query, matched),
            }
        with self._lock:
            self._cursor_serial += 1
            locator = id18(f"01g5e{self._cursor_serial:010d}")
            # A cursor holds references to the shared rows, not copies, so keeping recent
            # ones (a client may retry a page) costs little; pages are projected on demand.
            self._cursors[locator] = (query, matched)
            while len(self._cursors) > _MAX_CURSORS:
                self._cursors.popitem(last=False)
        return self._more(locator, 0, headers)

    def _more(self, locator: str, start: int, headers: Mapping[str, str]) -> tuple[int, Any]:
        with self._lock:
            entry = self._cursors.get(locator)
            if entry is not None:
                self._cursors.move_to_end(locator)
        if entry is None or start > len(entry[1]):
            return 400, [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]
        query, rows = entry
        end = start + self._page_size(headers)
        body: dict[str, Any] = {"totalSize": len(rows), "done": end >= len(rows)}
        if end < len(rows):
            # queryAll hands back a `query/` locator too; both paths accept it.
            body["nextRecordsUrl"] = f"/services/data/v{self.api_version}/query/{locator}-{end}"
        body["records"] = self._page(query, rows[start:end])
        return 200, body

    def _page(self, query: Query, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        base = f"/services/data/v{self.api_version}/sobjects/{query.sobject}/"
        return [
            {"attributes": {"type": query.sobject, "url": base + r["Id"]}, **query.project(r)}
            for r in rows
        ]

    def _sobjects(self, parts: list[str], params: dict[str, str]) -> tuple[int, Any]:
        if not parts:
            return 200, {
                "encoding": "UTF-8",
                "maxBatchSize": 200,
                "sobjects": [global_entry(s, self.api_version) for s in SOBJECTS.values()],
            }
        name = {n.lower(): n for n in SOBJECTS}.get(parts[0].lower())
        if name is None:
            return 404, _NOT_FOUND
        with self._lock:
            rows = self._records[name]
        if parts[1:] == ["describe"]:
            return 200, describe_sobject(name, rows, self.api_version)
        if len(parts) == 1:
            return 200, {
                "objectDescribe": global_entry(SOBJECTS[name], self.api_version),
                "recentItems": [],
            }
        if len(parts) == 2:
            return self._record(name, parts[1], rows, params.get("fields"))
        return 404, _NOT_FOUND

    def _record(
        self, name: str, record_id: str, rows: list[dict[str, Any]], fields: str | None
    ) -> tuple[int, Any]:
        found = next(
            (
                r
                for r in rows
                if r["Id"][:15] == record_id[:15]
                and len(record_id) in (15, 18)
                and not r.get("IsDeleted")
            ),
            None,
        )
        if found is None:
            return 404, _NOT_FOUND
        wanted = list(found)
        if fields:
            lookup = {f.lower(): f for f in found}
            wanted = [
                lookup[f.strip().lower()] for f in fields.split(",") if f.strip().lower() in lookup
            ]
        url = f"/services/data/v{self.api_version}/sobjects/{name}/{found['Id']}"
        return 200, {"attributes": {"type": name, "url": url}, **{f: found[f] for f in wanted}}


def _json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, payload, headers or {}, content_type="application/json;charset=UTF-8")
