"""A read-only HubSpot CRM API on 127.0.0.1 that serves a company's CRM plan.

The official `hubspot-api-client` talks to it unchanged (only `host` differs). It follows
HubSpot where a friendlier server would be easier to test against:
- private-app bearer tokens; a missing or wrong one is a 401 in HubSpot's error shape;
- lists page with an opaque `after` cursor, at most 100 objects a page, archived objects
  only with `archived=true`, associations only when asked;
- search (POST …/search) filters on properties, sorts, pages by offset, at most 200 a page
  and 10,000 results in all: a query past that is refused, so a connector must split its
  time range;
- a private app's rolling limit per 10 seconds and its daily limit, announced in the
  X-HubSpot-RateLimit-* headers, and a 429 in HubSpot's shape when either runs out.
"""

from __future__ import annotations

import hmac
import json
import math
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from revtruth.simulate.company.plan import CrmPlan
from revtruth.simulate.http_server import Request, Response, SimulatedServer
from revtruth.simulate.hubspot.render import RenderedCrm, render_crm, stamp

OBJECT_TYPES = ("companies", "contacts", "deals")
LIST_LIMIT_MAX, SEARCH_LIMIT_MAX, SEARCH_RESULTS_MAX = 100, 200, 10_000
# Properties a list or search returns when none are asked for, per object type.
DEFAULT_PROPERTIES = {
    "companies": ("name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"),
    "contacts": ("firstname", "lastname", "email", "createdate", "lastmodifieddate",
                 "hs_object_id"),
    "deals": ("dealname", "amount", "closedate", "pipeline", "dealstage", "createdate",
              "hs_lastmodifieddate", "hs_object_id"),
}  # fmt: skip
_OPERATORS = {
    "EQ": lambda a, b: a == b,
    "NEQ": lambda a, b: a != b,
    "LT": lambda a, b: a is not None and a < b,
    "LTE": lambda a, b: a is not None and a <= b,
    "GT": lambda a, b: a is not None and a > b,
    "GTE": lambda a, b: a is not None and a >= b,
    "HAS_PROPERTY": lambda a, b: a is not None,
    "NOT_HAS_PROPERTY": lambda a, b: a is None,
}


class _Error(Exception):
    def __init__(self, status: int, message: str, category: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.category, self.extra = status, message, category, extra


class HubSpotServer(SimulatedServer):
    name = "hubspot"
    server_header = "hubspot-sim"

    def __init__(
        self,
        crm: CrmPlan,
        access_token: str,
        *,
        port: int = 0,
        ten_second_limit: int = 190,
        daily_limit: int = 650_000,
        search_results_max: int = SEARCH_RESULTS_MAX,
    ) -> None:
        super().__init__(port=port)
        self._crm, self._token = crm, access_token
        self.ten_second_limit, self.daily_limit = ten_second_limit, daily_limit
        self.search_results_max = search_results_max  # HubSpot's is 10,000; lower for tests
        self._window: list[float] = []  # times of the requests of the last 10 seconds
        self._today = 0
        self._state = threading.Lock()

    def on_start(self) -> None:
        self._rendered = render_crm(self._crm)

    @property
    def rendered(self) -> RenderedCrm:
        return self._rendered

    def archive(self, object_type: str, object_id: str, at: datetime) -> None:
        """Archive (HubSpot's delete) an object: lists leave it out unless asked for
        archived ones, and it takes no part in search."""
        with self._state:
            obj = self._rendered.objects[object_type][object_id]
            obj.update(archived=True, archivedAt=stamp(at), updatedAt=stamp(at))

    def update(self, object_type: str, object_id: str, at: datetime, **properties: str) -> None:
        """Change an object's properties at `at`, as a user editing it in HubSpot would:
        its last-modified property and `updatedAt` move to `at`."""
        with self._state:
            obj = self._rendered.objects[object_type][object_id]
            modified = "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"
            obj["properties"].update(
                {k: None if v is None else str(v) for k, v in properties.items()}
            )
            obj["properties"][modified] = stamp(at)
            obj["updatedAt"] = stamp(at)

    def use_daily_requests(self, count: int) -> None:
        """Count requests against the daily limit, as the account's other apps would."""
        with self._state:
            self._today = max(0, self._today + count)

    # ------------------------------------------------------------ requests

    def respond(self, request: Request) -> Response:
        try:
            self._authenticate(request.headers.get("Authorization"))
            headers = self._count_against_limits()
            body = self._route(request)
            return Response(200, body, headers)
        except _RateLimited as err:
            return Response(429, err.body, err.headers)
        except _Error as err:
            body = {
                "status": "error",
                "message": err.message,
                "correlationId": _correlation_id(),
                "category": err.category,
                **err.extra,
            }
            return Response(err.status, body)

    def fault_response(self, status: int) -> Response:
        if status == 429:
            return Response(429, _rate_limited("TEN_SECONDLY_ROLLING"), {"Retry-After": "1"})
        return Response(
            500,
            {"status": "error", "message": "internal error", "correlationId": _correlation_id(),
             "category": "INTERNAL_ERROR"},
        )  # fmt: skip

    def error_response(self, exc: Exception) -> Response:
        return Response(500, {"status": "error", "message": f"Simulator error: {exc!r}",
                              "category": "INTERNAL_ERROR"})  # fmt: skip

    def _authenticate(self, header: str | None) -> None:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _Error(
                401,
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            )
        if not hmac.compare_digest(token.strip().encode(), self._token.encode()):
            raise _Error(
                401,
                "Authentication credentials not found or expired for this private app",
                "INVALID_AUTHENTICATION",
            )

    def _count_against_limits(self) -> dict[str, str]:
        now = time.monotonic()
        with self._state:
            self._window = [t for t in self._window if now - t < 10.0]
            if self._today >= self.daily_limit:
                raise _RateLimited("DAILY", self._limit_headers(), 3600)
            if len(self._window) >= self.ten_second_limit:
                # a place frees when the oldest request of the window is 10 seconds old
                wait = max(1, math.ceil(10.0 - (now - self._window[0])))
                raise _RateLimited("TEN_SECONDLY_ROLLING", self._limit_headers(), wait)
            self._window.append(now)
            self._today += 1
            return self._limit_headers()

    def _limit_headers(self) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(self.ten_second_limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.ten_second_limit - len(self._window))),
            "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self.daily_limit - self._today)),
        }

    def _route(self, request: Request) -> Any:
        parts = request.path.strip("/").split("/")
        params = {k: v[-1] for k, v in parse_qs(request.query, keep_blank_values=True).items()}
        multi = parse_qs(request.query, keep_blank_values=True)
        if parts[:3] == ["crm", "v3", "objects"] and len(parts) >= 4:
            object_type = parts[3]
            if object_type not in OBJECT_TYPES:
                raise _Error(400, f"Unable to infer object type from: {object_type}",
                             "VALIDATION_ERROR")  # fmt: skip
            if len(parts) == 4 and request.method == "GET":
                return self._list(object_type, params, multi)
            if len(parts) == 5 and parts[4] == "search" and request.method == "POST":
                return self._search(object_type, _json_body(request))
            if len(parts) == 5 and request.method == "GET":
                return self._read(object_type, parts[4], params, multi)
        if parts == ["crm", "v3", "pipelines", "deals"] and request.method == "GET":
            return {"results": self._rendered.pipelines}
        if parts == ["crm", "v3", "owners"] and request.method == "GET":
            return self._owners(params)
        if (
            len(parts) == 7
            and parts[:3] == ["crm", "v4", "associations"]
            and parts[5:] == ["batch", "read"]
            and request.method == "POST"
        ):
            return self._associations(parts[3], parts[4], _json_body(request))
        raise _Error(404, f"Unable to route {request.method} {request.path}", "OBJECT_NOT_FOUND")

    # ------------------------------------------------------------ endpoints

    def _shown(self, obj: dict, object_type: str, properties: list[str] | None) -> dict:
        wanted = properties or list(DEFAULT_PROPERTIES[object_type])
        shown = {k: v for k, v in obj.items() if k != "properties"}
        # HubSpot always sends these three, and the asked-for ones (null when unset)
        keep = {"createdate", "hs_object_id", _modified_property(object_type), *wanted}
        shown["properties"] = {k: obj["properties"].get(k) for k in sorted(keep)}
        return shown

    def _list(self, object_type: str, params: dict, multi: dict) -> dict:
        limit = _limit(params.get("limit"), LIST_LIMIT_MAX)
        archived = params.get("archived", "false").lower() == "true"
        with self._state:
            ordered = sorted(
                (o for o in self._rendered.objects[object_type].values()
                 if o["archived"] == archived),
                key=lambda o: int(o["id"]),
            )  # fmt: skip
        after = params.get("after")
        if after:
            if not after.isdigit():
                raise _Error(400, f"Invalid after value: {after}", "VALIDATION_ERROR")
            ordered = [o for o in ordered if int(o["id"]) >= int(after)]
        page, rest = ordered[:limit], ordered[limit:]
        properties = _csv(multi.get("properties"))
        results = []
        for obj in page:
            shown = self._shown(obj, object_type, properties)
            for target in _csv(multi.get("associations")) or []:
                shown.setdefault("associations", {})[target] = {
                    "results": [
                        {"id": to_id, "type": _association_label(object_type, target)}
                        for to_id, _ in self._rendered.associations.get(
                            (object_type, target), {}
                        ).get(obj["id"], [])
                    ]
                }
            results.append(shown)
        body: dict = {"results": results}
        if rest:
            after_id = rest[0]["id"]
            body["paging"] = {
                "next": {
                    "after": after_id,
                    "link": f"{self.base_url}/crm/v3/objects/{object_type}?after={after_id}",
                }
            }
        return body

    def _read(self, object_type: str, object_id: str, params: dict, multi: dict) -> dict:
        obj = self._rendered.objects[object_type].get(object_id)
        archived = params.get("archived", "false").lower() == "true"
        if obj is None or obj["archived"] != archived:
            raise _Error(404, "Object not found.  objectId are usually numeric.",
                         "OBJECT_NOT_FOUND")  # fmt: skip
        return self._shown(obj, object_type, _csv(multi.get("properties")))

    def _search(self, object_type: str, body: dict) -> dict:
        limit = _limit(body.get("limit"), SEARCH_LIMIT_MAX)
        after = str(body.get("after") or "0")
        if not after.isdigit():
            raise _Error(400, f"Invalid after value: {after}", "VALIDATION_ERROR")
        offset = int(after)
        if offset + limit > self.search_results_max:
            raise _Error(
                400,
                "There was a problem with the request.",
                "VALIDATION_ERROR",
                errors=[{"message": f"The search API returns at most {self.search_results_max} "
                         "results: narrow the query", "code": "INVALID_INTEGER"}],
            )  # fmt: skip
        with self._state:
            candidates = [o for o in self._rendered.objects[object_type].values()
                          if not o["archived"]]  # fmt: skip
        groups = body.get("filterGroups") or []
        if groups:
            candidates = [o for o in candidates if any(_passes(o, g) for g in groups)]
        for sort in reversed(body.get("sorts") or [{"propertyName": "hs_object_id"}]):
            name = sort.get("propertyName") if isinstance(sort, dict) else str(sort)
            descending = isinstance(sort, dict) and sort.get("direction") == "DESCENDING"
            candidates.sort(key=lambda o, n=name: _sort_key(o, n), reverse=descending)
        page = candidates[offset : offset + limit]
        result: dict = {
            "total": len(candidates),
            "results": [self._shown(o, object_type, body.get("properties")) for o in page],
        }
        if offset + limit < len(candidates):
            result["paging"] = {"next": {"after": str(offset + limit)}}
        return result

    def _owners(self, params: dict) -> dict:
        limit = _limit(params.get("limit"), LIST_LIMIT_MAX)
        archived = params.get("archived", "false").lower() == "true"
        ordered = sorted(
            (o for o in self._rendered.owners.values() if o["archived"] == archived),
            key=lambda o: int(o["id"]),
        )
        after = params.get("after")
        if after:
            ordered = [o for o in ordered if int(o["id"]) >= int(after)]
        page, rest = ordered[:limit], ordered[limit:]
        body: dict = {"results": page}
        if rest:
            after_id = rest[0]["id"]
            link = f"{self.base_url}/crm/v3/owners?after={after_id}"
            body["paging"] = {"next": {"after": after_id, "link": link}}
        return body

    def _associations(self, source: str, target: str, body: dict) -> dict:
        started = stamp(datetime.now().astimezone())
        links = self._rendered.associations.get((source, target), {})
        results = []
        for item in body.get("inputs") or []:
            from_id = str(item.get("id") if isinstance(item, dict) else item)
            to = links.get(from_id)
            if to:
                results.append(
                    {
                        "from": {"id": from_id},
                        "to": [
                            {
                                "toObjectId": int(to_id),
                                "associationTypes": [
                                    {"category": "HUBSPOT_DEFINED", "typeId": type_id,
                                     "label": None}
                                ],
                            }
                            for to_id, type_id in to
                        ],
                    }
                )  # fmt: skip
        return {
            "status": "COMPLETE",
            "results": results,
            "startedAt": started,
            "completedAt": stamp(datetime.now().astimezone()),
        }


class _RateLimited(_Error):
    def __init__(self, policy: str, headers: Mapping[str, str], retry_after: int) -> None:
        self.body = _rate_limited(policy)
        super().__init__(429, self.body["message"], "RATE_LIMIT")
        self.headers = {**headers, "Retry-After": str(retry_after)}


def _rate_limited(policy: str) -> dict:
    which = "daily" if policy == "DAILY" else "ten secondly rolling"
    return {
        "status": "error",
        "message": f"You have reached your {which} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": _correlation_id(),
        "policyName": policy,
    }


def _correlation_id() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def _json_body(request: Request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise _Error(400, f"Invalid input JSON: {exc}", "VALIDATION_ERROR") from None
    if not isinstance(body, dict):
        raise _Error(400, "Invalid input JSON: expected an object", "VALIDATION_ERROR")
    return body


def _limit(value: Any, maximum: int) -> int:
    try:
        limit = int(value) if value not in (None, "") else 10
    except (TypeError, ValueError):
        raise _Error(400, f"Invalid limit: {value}", "VALIDATION_ERROR") from None
    if not 1 <= limit <= maximum:
        raise _Error(400, f"limit must be between 1 and {maximum}", "VALIDATION_ERROR")
    return limit


def _csv(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [name for value in values for name in value.split(",") if name]


def _modified_property(object_type: str) -> str:
    return "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"


def _association_label(source: str, target: str) -> str:
    return f"{source.removesuffix('s').replace('companie', 'company')}_to_" + target.removesuffix(
        "s"
    ).replace("companie", "company")


def _value(obj: dict, name: str) -> Any:
    value = obj["id"] if name == "hs_object_id" else obj["properties"].get(name)
    if value is None:
        return None
    if name.endswith("date") or name in ("createdate", "closedate"):
        return _epoch_ms(value)
    try:
        return float(value)
    except ValueError:
        return value


def _epoch_ms(value: str) -> float | str:
    if value.isdigit():
        return float(value)
    try:
        return datetime.fromisoformat(value).timestamp() * 1000
    except ValueError:
        return value


def _passes(obj: dict, group: dict) -> bool:
    for rule in group.get("filters") or []:
        name, operator = rule.get("propertyName"), rule.get("operator", "EQ")
        if operator not in _OPERATORS:
            raise _Error(400, f"Unsupported operator: {operator}", "VALIDATION_ERROR")
        wanted = rule.get("value")
        target = None
        if wanted is not None:
            target = _epoch_ms(str(wanted)) if name.endswith("date") else _number_or(wanted)
        if not _OPERATORS[operator](_value(obj, name), target):
            return False
    return True


def _number_or(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _sort_key(obj: dict, name: str) -> tuple:
    value = _value(obj, name)
    return (value is None, value if value is not None else 0, int(obj["id"]))
