"""Stripe-shaped errors: `{"error": {type, code, message, param, decline_code, request_log_url}}`."""

from __future__ import annotations

from typing import Any


class StripeAPIError(Exception):
    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, request_id: str) -> dict[str, Any]:
        err: dict[str, Any] = {
            "type": self.type,
            "message": self.message,
            "request_log_url": f"https://dashboard.stripe.com/test/logs/{request_id}",
        }
        if self.code:
            err["code"] = self.code
            err["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            err["param"] = self.param
        if self.decline_code:
            err["decline_code"] = self.decline_code
        err.update(self.extra)
        return {"error": err}


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None, status: int = 400
) -> StripeAPIError:
    return StripeAPIError(status, "invalid_request_error", message, code=code, param=param)


def resource_missing(kind: str, obj_id: str, param: str = "id") -> StripeAPIError:
    return StripeAPIError(
        404, "invalid_request_error", f"No such {kind}: '{obj_id}'", code="resource_missing", param=param
    )


def card_error(
    message: str,
    *,
    code: str = "card_declined",
    decline_code: str | None = None,
    param: str | None = None,
    extra: dict[str, Any] | None = None,
) -> StripeAPIError:
    return StripeAPIError(402, "card_error", message, code=code, decline_code=decline_code, param=param, extra=extra)


def authentication_error(message: str) -> StripeAPIError:
    return StripeAPIError(401, "invalid_request_error", message)
