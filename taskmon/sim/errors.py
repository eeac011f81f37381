"""Error responses in each provider's documented envelope.

- Xenodia: `{error: <slug>, message, type, code}`, all strings (generated reference).
- Apixo: `{code: <http status>, message}`; 400 adds `data: {error}`.
- BytesPike: OpenAI style `{error: {type, message}}`, type = the documented code.
- Vidgo: the error format is not published; the simulator mirrors the success
  envelope, `{code: <http status>, message, data: null}`.
- reAPI: `{error: {code: <5-digit int>, message, request_id}}`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import web

# status -> (xenodia slug, bytespike type, reAPI code, default message)
_BY_STATUS: dict[int, tuple[str, str, int, str]] = {
    400: ("bad_request", "invalid_param", 20002, "Invalid request"),
    401: ("unauthorized", "invalid_api_key", 10003, "Missing or invalid API key"),
    403: ("forbidden", "permission_denied", 10006, "The task belongs to another account"),
    404: ("not_found", "task_not_found", 40001, "Task not found"),
    429: ("rate_limited", "rate_limit_error", 50001, "Rate limit exceeded"),
    500: ("internal_error", "internal_error", 60099, "Internal server error"),
    502: ("bad_gateway", "upstream_error", 70001, "Bad gateway"),
    503: ("service_unavailable", "service_unavailable", 70002, "Service temporarily unavailable"),
}
_XENODIA_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}
_XENODIA_MESSAGES = {502: "The gateway could not refresh or read upstream task state."}


def error_body(
    provider: str,
    status: int,
    message: str | None = None,
    *,
    reapi_code: int | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    """The JSON a provider sends with HTTP `status`."""
    slug, bs_type, re_code, default = _BY_STATUS.get(
        status, ("error", "api_error", 60099, "Request failed")
    )
    text = message or default
    if provider == "xenodia":
        text = message or _XENODIA_MESSAGES.get(status, default)
        err_type = _XENODIA_TYPES.get(
            status, "invalid_request_error" if status < 500 else "api_error"
        )
        return {"error": slug, "message": text, "type": err_type, "code": slug}
    if provider == "apixo":
        body: dict[str, Any] = {"code": status, "message": text}
        if status == 400:
            body["data"] = {"error": detail or text}
        return body
    if provider == "bytespike":
        return {"error": {"type": bs_type, "message": detail or text}}
    if provider == "vidgo":
        return {"code": status, "message": detail or text, "data": None}
    return {
        "error": {
            "code": reapi_code or re_code,
            "message": detail or text,
            "request_id": f"req_{secrets.token_hex(8)}",
        }
    }


def error_response(
    provider: str,
    status: int,
    message: str | None = None,
    *,
    reapi_code: int | None = None,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    body = error_body(provider, status, message, reapi_code=reapi_code, detail=detail)
    return web.json_response(body, status=status, headers=dict(headers or {}))
