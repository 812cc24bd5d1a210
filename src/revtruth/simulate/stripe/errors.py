"""Stripe's error responses, and how Stripe echoes an API key back."""

from __future__ import annotations

import re

from revtruth.simulate.stripe.wire import JsonObj

DOCS = "https://stripe.com/docs"
SUPPORT = "https://support.stripe.com/"


class ApiError(Exception):
    """An error response; `body()` is the JSON Stripe sends."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        kind: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.param, self.kind = status, code, param, kind

    def body(self) -> JsonObj:
        error: JsonObj = {"message": str(self), "type": self.kind}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{DOCS}/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return {"error": error}


def missing(obj_type: str, object_id: str, param: str, status: int = 404) -> ApiError:
    name = obj_type.replace("_", " ")
    return ApiError(status, f"No such {name}: '{object_id}'", code="resource_missing", param=param)


def mask_key(key: str) -> str:
    """Mask a key the way Stripe echoes it: keep the `sk_test_` prefix and the last 4."""
    match = re.match(r"^[a-z]{2,4}_(?:test|live)_", key)
    prefix = match.group(0) if match else ""
    shown = 4 if len(key) - len(prefix) > 4 else 0
    return prefix + "*" * (len(key) - len(prefix) - shown) + key[len(key) - shown :]
