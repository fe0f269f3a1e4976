"""Request and response models of billing_details.

Every text field is bounded, stripped, and refused (422) when it holds control characters, HTML markup
characters (``<`` ``>``) or Unicode bidirectional controls: nothing a client sends can come back unescaped or
disguised in a page or an invoice (B6). Country codes and locales are checked against the shipped lists before
Stripe is called.
"""

from __future__ import annotations

import re
from typing import Annotated

from billing_core.models import RequestModel, ResponseModel
from pydantic import AfterValidator, Field, model_validator

from billing_details.reference_data import LOCALES, countries

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_EMAIL = rf"^[^@\s]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$"
#: Control characters, markup, and the Unicode bidirectional embedding/override/isolate controls (U+202A-U+202E,
#: U+2066-U+2069), which can make a name or address display as something else ("Trojan Source").
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>\u202a-\u202e\u2066-\u2069]")


def _plain_text(value: str) -> str:
    if _UNSAFE.search(value):
        raise ValueError("must not contain control characters or markup")
    return value


def _country(value: str) -> str:
    upper = value.upper()
    if upper not in countries():
        raise ValueError("must be an ISO 3166-1 alpha-2 country code")
    return upper


def _locale(value: str) -> str:
    if value not in LOCALES:
        raise ValueError("is not a supported locale")
    return value


Name = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_plain_text)]
Email = Annotated[
    str,
    Field(min_length=3, max_length=254, pattern=_EMAIL),
    AfterValidator(_plain_text),
]
Phone = Annotated[str, Field(min_length=4, max_length=20, pattern=r"^\+?[0-9][0-9 ()\-.]{2,18}[0-9]$")]
Line = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_plain_text)]
PostalCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,19}$")]
Country = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_country)]
Locale = Annotated[str, Field(min_length=2, max_length=7), AfterValidator(_locale)]
TaxIdValue = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_plain_text)]
TaxIdType = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]
TaxIdPathId = Annotated[str, Field(pattern=r"^txi_[A-Za-z0-9_]{1,250}$")]


class AddressUpdate(RequestModel):
    """Partial: only the fields sent change; ``null`` clears ``line2`` and ``state``."""

    line1: Line | None = None
    line2: Line | None = None
    city: Line | None = None
    state: Line | None = None
    postal_code: PostalCode | None = None
    country: Country | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> AddressUpdate:
        if not self.model_fields_set:
            raise ValueError("address needs at least one field")
        for required in ("line1", "city", "postal_code", "country"):
            if required in self.model_fields_set and getattr(self, required) is None:
                raise ValueError(f"{required} cannot be cleared")
        return self


class DetailsUpdate(RequestModel):
    """PATCH semantics: absent fields are left alone; ``null`` clears ``name`` and ``phone``."""

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: AddressUpdate | None = None
    preferred_locale: Locale | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> DetailsUpdate:
        if not self.model_fields_set:
            raise ValueError("nothing to update")
        for required in ("email", "address", "preferred_locale"):
            if required in self.model_fields_set and getattr(self, required) is None:
                raise ValueError(f"{required} cannot be cleared")
        return self


class TaxIdCreate(RequestModel):
    type: TaxIdType
    value: TaxIdValue


class AddressView(ResponseModel):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class DetailsView(ResponseModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: AddressView | None = None
    preferred_locale: str | None = None


class TaxIdView(ResponseModel):
    id: str
    type: str
    value: str
    country: str | None = None
    verification_status: str | None = None
    """Stripe's ``verification.status``: ``pending``, ``verified``, ``unverified`` or ``unavailable``."""


class TaxIdDeleted(ResponseModel):
    id: str
    deleted: bool = True
