"""Request and response models of POST /billing/portal-sessions.

The body names *what* the user wants (a flow, a target plan, where to come back to: a path on the web page or one of
the configured app links, the language the page shows) and nothing else: no configuration, customer, subscription,
web return URL or coupon — unknown fields are 422 (A4, B3).
"""

from __future__ import annotations

from typing import Annotated, Literal

from billing_core.models import RequestModel, ResponseModel
from pydantic import AfterValidator, Field, model_validator

FlowType = Literal[
    "payment_method_update",
    "subscription_cancel",
    "subscription_pause",
    "subscription_update",
    "subscription_update_confirm",
]
SUBSCRIPTION_FLOWS: frozenset[str] = frozenset(
    {"subscription_cancel", "subscription_pause", "subscription_update", "subscription_update_confirm"}
)


#: The locales a portal session accepts besides ``auto`` (stripe-python 16 ``billing_portal.SessionCreateParams``
#: ``locale``: "The IETF language tag of the locale customer portal is displayed in. If blank or auto, the
#: customer's preferred_locales or browser's locale is used."; a unit test keeps this in step with the SDK).
PORTAL_LOCALES = frozenset(
    "bg cs da de el en en-AU en-CA en-GB en-IE en-IN en-NZ en-SG es es-419 et fi fil fr fr-CA hr hu id it ja ko "
    "lt lv ms mt nb nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW".split()
)


def _portal_locale(value: str) -> str:
    if value != "auto" and value not in PORTAL_LOCALES:
        raise ValueError("is not a locale of the hosted portal")
    return value


#: ``auto`` or one of PORTAL_LOCALES, spelled as Stripe spells it (``pt-BR``); anything else is 422.
PortalLocale = Annotated[str, Field(min_length=2, max_length=6), AfterValidator(_portal_locale)]


class PortalTarget(RequestModel):
    """The plan to confirm in a ``subscription_update_confirm`` flow (catalog lookup key and/or seats)."""

    price_lookup_key: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,200}$")] | None = None
    quantity: Annotated[int, Field(ge=1, le=10_000)] | None = None

    @model_validator(mode="after")
    def _something(self) -> PortalTarget:
        if self.price_lookup_key is None and self.quantity is None:
            raise ValueError("a target needs price_lookup_key or quantity")
        return self


class PortalSessionRequest(RequestModel):
    flow: FlowType | None = None
    target: PortalTarget | None = None
    #: A path on the app (checked against RETURN_PATH_PREFIXES; B1 -> 400). Long values are 422.
    return_path: Annotated[str, Field(min_length=1, max_length=2048)] | None = None
    #: A mobile app's return target: one of the app links in APP_RETURN_URLS (a universal link or the app's own
    #: scheme, e.g. ``myapp://billing``), optionally with a path, query or fragment after it (B10 -> 400).
    #: Instead of ``return_path``, not with it.
    return_url: Annotated[str, Field(min_length=1, max_length=2048)] | None = Field(
        default=None,
        description="A mobile app's return target: one of the deployment's app links (APP_RETURN_URLS), e.g. "
        "myapp://billing or https://app.example.com/billing, optionally followed by a path, query or fragment; "
        "anything else is 400 invalid_return_url. Not together with return_path.",
        examples=["myapp://billing/done"],
    )
    #: The language the page shows, so the portal speaks it too; without it, the customer's preferred_locales.
    locale: PortalLocale | None = None

    @model_validator(mode="after")
    def _one_return_target(self) -> PortalSessionRequest:
        if self.return_path is not None and self.return_url is not None:
            raise ValueError("send return_path (the web page) or return_url (an app link), not both")
        return self

    @model_validator(mode="after")
    def _target_only_for_confirm(self) -> PortalSessionRequest:
        if (self.flow == "subscription_update_confirm") != (self.target is not None):
            raise ValueError("target is required with, and only with, flow=subscription_update_confirm")
        return self


class PortalSessionResponse(ResponseModel):
    """The hosted portal URL: short-lived, open it at once; never cache or log it."""

    url: str
