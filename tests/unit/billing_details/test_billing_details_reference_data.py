"""Local validation data of billing_details matches stripe-python and ISO 3166-1."""

import typing

import pytest
from billing_details.models import DetailsUpdate, TaxIdCreate
from billing_details.reference_data import LOCALES, TAX_ID_TYPES, countries
from pydantic import ValidationError


def _sdk_tax_id_types() -> set[str]:
    from stripe.params import CustomerTaxIdCreateParams

    annotation = CustomerTaxIdCreateParams.__annotations__["type"]
    literals = [a for a in typing.get_args(annotation) if typing.get_origin(a) is typing.Literal]
    return {value for lit in literals for value in typing.get_args(lit)}


def test_b5_tax_id_types_equal_the_literal_declared_by_stripe_python():
    assert TAX_ID_TYPES == _sdk_tax_id_types() - {"unknown"}
    assert {"eu_vat", "gb_vat", "us_ein", "au_abn"} <= TAX_ID_TYPES


def test_countries_are_the_249_iso_3166_1_alpha_2_codes():
    codes = countries()
    assert len(codes) == 249 and all(len(c) == 2 and c.isupper() for c in codes)
    assert {"DE", "GB", "US", "FR", "JP", "BR", "ZA", "AX"} <= codes
    assert not {"UK", "EU", "XX", "EL"} & codes


def test_locales_cover_stripes_invoice_languages():
    assert {"en", "en-GB", "de", "fr", "fr-CA", "es-419", "pt-BR", "zh-TW"} <= LOCALES and "auto" not in LOCALES


@pytest.mark.parametrize(
    "payload",
    [
        {"address": {"country": "ZZ"}},
        {"name": "a<b"},
        {"name": "a\x00b"},
        {"address": {"postal_code": "<1>"}},
        {"phone": "+1" + "2" * 30},
        {"preferred_locale": "EN"},
        {"unknown": 1},
    ],
)
def test_b6_details_model_rejects_unknown_country_markup_and_oversize(payload):
    with pytest.raises(ValidationError):
        DetailsUpdate.model_validate(payload)


def test_details_model_keeps_only_the_fields_sent():
    update = DetailsUpdate.model_validate({"address": {"country": "gb", "line2": None}, "name": "  Ada  "})
    assert update.model_fields_set == {"address", "name"} and update.name == "Ada"
    assert update.address is not None and update.address.country == "GB"
    assert update.address.model_fields_set == {"country", "line2"}


def test_tax_id_model_bounds_the_value():
    with pytest.raises(ValidationError):
        TaxIdCreate.model_validate({"type": "eu_vat", "value": "1" * 65})
