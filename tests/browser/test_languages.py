"""The page in the reader's language: German from a German browser, French from the customer's preferred_locales
(even in an English browser), amounts and dates written by Intl for that locale, and API errors in that language."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import screen
from tests.browser.seeded import seed_own_user, stripe_client

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_stack")]


@pytest.fixture
def german_page(browser: Browser, web_stack: dict[str, Any]) -> Iterator[Page]:
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, locale="de-DE")
    ctx.set_default_timeout(10_000)
    try:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # type: ignore[attr-defined]
        yield page
    finally:
        ctx.close()


def dialog(page: Page) -> Locator:
    return page.locator("dialog[open]")


def flash(page: Page) -> Locator:
    return page.locator("#flash")


def sign_in(page: Page, web_stack: dict[str, Any], email: str, password: str, labels: tuple[str, str, str]) -> None:
    page.goto(web_stack["web_url"])
    user, secret, button = labels
    page.get_by_label(user).fill(email)
    page.get_by_label(secret).fill(password)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("[data-ready=overview]")).to_be_visible()


def test_german_browser_overview_plan_change_card_and_cancel_in_german(
    german_page: Page, web_stack: dict[str, Any]
) -> None:
    page = german_page
    email, password, _ = seed_own_user(web_stack, "active-pro", "Doris Deutsch")  # Pro monthly, Visa default
    page.goto(web_stack["web_url"])
    expect(page.get_by_role("heading", name="Melden Sie sich an, um Ihre Abrechnung zu verwalten")).to_be_visible()
    page.get_by_role("button", name="Anmelden", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Geben Sie Ihre E-Mail-Adresse und Ihr Passwort ein.")
    sign_in(page, web_stack, email, password, ("E-Mail", "Passwort", "Anmelden"))
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.title() == "Übersicht · Abrechnung"

    # Overview: German words, amounts as Intl writes US dollars for de-DE ("29,00 $"), dates in German.
    nav = page.get_by_role("navigation", name="Bereiche der Abrechnung")
    expect(nav.get_by_role("link", name="Zahlungsmethoden")).to_be_visible()
    card = page.locator("[data-testid=plan-card]")
    expect(card.get_by_role("heading", name="Tarif Pro")).to_be_visible()
    expect(card).to_contain_text("Aktiv")
    expect(card.locator(".price")).to_have_text("29,00 $")
    expect(card).to_contain_text("pro Monat")
    next_payment = card.locator("dt:text-is('Nächste Zahlung') + dd")
    expect(next_payment).to_have_text(
        re.compile(r"^29,00\s\$\sam\s\d{2}\.\d{2}\.\d{4}$")
    )  # Intl: no-break space, medium date
    expect(page.locator("section[aria-labelledby=features-title]")).to_contain_text("API-Zugang")
    screen(page, "de-overview")

    # Plan change: preview, then confirm.
    page.get_by_role("button", name="Tarif ändern", exact=True).click()
    dlg = dialog(page)
    expect(dlg.get_by_role("heading", name="Tarif ändern", exact=True)).to_be_visible()
    dlg.get_by_role("button", name="Änderung prüfen").click()
    expect(dlg.get_by_role("alert")).to_contain_text("Wählen Sie zuerst einen Tarif.")
    dlg.get_by_label("290,00 $ pro Jahr").check()
    dlg.get_by_role("button", name="Änderung prüfen").click()
    preview = dlg.locator("[data-testid=preview]")
    expect(preview.get_by_role("heading")).to_have_text("Wechsel zur jährlichen Abrechnung: Pro")
    expect(preview.locator("dt:text-is('Jetzt fällig') + dd")).to_have_text(
        re.compile(r"^\d{1,3}(\.\d{3})*,\d{2}\s\$$")
    )
    expect(preview.get_by_test_id("new-price")).to_have_text("290,00 $ pro Jahr")
    expect(preview.locator("caption")).to_have_text("Jetzt abgebucht")
    screen(page, "de-change-plan-preview")
    dlg.get_by_role("button", name="Änderung bestätigen").click()
    expect(flash(page)).to_contain_text("Sie nutzen jetzt den Tarif Pro.")
    expect(card.locator(".price")).to_have_text("290,00 $")
    expect(card).to_contain_text("pro Jahr")

    # A card: added and made the default.
    nav.get_by_role("link", name="Zahlungsmethoden").click()
    expect(page.get_by_role("heading", name="Zahlungsmethoden")).to_be_visible()
    page.get_by_role("button", name="Karte hinzufügen").click()
    dlg = dialog(page)
    expect(dlg.get_by_role("heading", name="Karte hinzufügen")).to_be_visible()
    dlg.get_by_label("Mastercard 4444 (succeeds)").check()
    expect(dlg.get_by_label("Als meine Standardkarte verwenden")).to_be_checked()
    screen(page, "de-add-card")
    dlg.get_by_role("button", name="Karte speichern", exact=True).click()
    expect(flash(page)).to_contain_text("Ihre Karte wurde hinzugefügt und ist jetzt Ihre Standardkarte.")
    default = page.locator("[data-ready=cards] li").filter(has=page.locator(".badge.good"))
    expect(default).to_contain_text("Mastercard mit Endziffern 4444")
    expect(default.locator(".badge.good")).to_have_text("Standard")
    expect(default).to_contain_text(re.compile(r"Gültig bis \d{2}/\d{4}"))

    # Cancel: survey, the reason's offer (the coupon for switching services) declined, the end date.
    nav.get_by_role("link", name="Übersicht").click()
    page.get_by_role("button", name="Tarif kündigen", exact=True).click()
    dlg = dialog(page)
    expect(dlg.get_by_role("heading", name="Tarif kündigen")).to_be_visible()
    dlg.get_by_label("Ich wechsle zu einem anderen Dienst").check()
    screen(page, "de-cancel-survey")
    dlg.get_by_role("button", name="Tarif kündigen", exact=True).click()
    expect(dlg.get_by_test_id("offer")).to_contain_text("30 % Rabatt für 3 Monate")
    dlg.get_by_role("button", name="Nein danke, kündigen").click()
    expect(flash(page)).to_contain_text("Ihr Tarif ist gekündigt. Sie behalten den Zugang bis zum")
    canceling = page.locator("[data-testid=canceling]")
    expect(canceling).to_contain_text("Ihr Tarif ist gekündigt und endet am")
    expect(card.locator(".badge")).to_have_text("Endet bald")
    screen(page, "de-overview-canceling")
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_a_customer_who_prefers_french_reads_french_in_an_english_browser(
    page: Page, web_stack: dict[str, Any]
) -> None:
    email, password, customer = seed_own_user(web_stack, "active-pro", "Françoise Facture")
    stripe_client(web_stack).v1.customers.update(customer, params={"preferred_locales": ["it", "fr-FR"]})
    page.goto(web_stack["web_url"])
    # Before sign-in only the browser's language is known.
    expect(page.get_by_role("heading", name="Sign in to manage your billing")).to_be_visible()
    sign_in(page, web_stack, email, password, ("Email", "Password", "Sign in"))

    # Italian has no catalog: the next preferred locale, French, wins over the browser's English.
    card = page.locator("[data-testid=plan-card]")
    expect(card.get_by_role("heading", name="Forfait Pro")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "fr"
    expect(page.get_by_role("navigation", name="Rubriques de facturation")).to_contain_text("Vue d’ensemble")
    expect(page.locator(".skip")).to_have_text("Aller au contenu")
    expect(card.locator(".price")).to_have_text("29,00 $US")  # Intl's fr-FR for USD
    expect(card).to_contain_text("Prochain paiement")
    expect(page).to_have_title("Vue d’ensemble · Facturation")
    screen(page, "fr-overview")

    # The hosted portal is asked for in the same language.
    with page.expect_request(lambda r: r.url.endswith("/billing/portal-sessions")) as request:
        page.locator("[data-testid=portal]").get_by_role("button", name="Gérer dans Stripe").click()
    assert json.loads(request.value.post_data or "{}")["locale"] == "fr"
    page.wait_for_url(web_stack["stripe_api_base"] + "/**")
    page.go_back()
    expect(card.get_by_role("heading", name="Forfait Pro")).to_be_visible()

    # An error code of the API in French: a tax ID that is already on the account (409 tax_id_exists).
    page.get_by_role("link", name="Informations de facturation").click()
    for attempt in ("first", "again"):
        page.get_by_role("button", name="Ajouter un numéro fiscal").click()
        dlg = dialog(page)
        dlg.get_by_label("Type").select_option("eu_vat")
        dlg.get_by_label("Numéro", exact=True).fill("FR40303265045")
        dlg.get_by_role("button", name="Ajouter le numéro fiscal").click()
        if attempt == "first":
            expect(flash(page)).to_contain_text("Votre numéro fiscal a été ajouté.")
    expect(dlg).to_contain_text("Ce numéro fiscal figure déjà sur votre compte de facturation.")
    screen(page, "fr-tax-id-refused")
    dlg.get_by_role("button", name="Annuler", exact=True).click()

    # Signed out, the page speaks the browser's language again.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Sign in to manage your billing")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.js_errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("locale", "lang", "heading", "seats", "price"),
    [
        ("es-ES", "es", "Plan Business", "Puestos", "15,00 US$"),
        ("ja-JP", "ja", "Business プラン", "席数", "$15.00"),
    ],
)
def test_spanish_and_japanese_browsers_get_their_catalog_and_intl_amounts(
    browser: Browser, web_stack: dict[str, Any], locale: str, lang: str, heading: str, seats: str, price: str
) -> None:
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, locale=locale)
    ctx.set_default_timeout(10_000)
    try:
        page = ctx.new_page()
        u = next(u for u in web_stack["demo_users"] if u["scenario"] == "business-seats")  # read only
        labels = {
            "es": ("Correo electrónico", "Contraseña", "Iniciar sesión"),
            "ja": ("メールアドレス", "パスワード", "サインイン"),
        }
        sign_in(page, web_stack, u["username"], u["password"], labels[lang])
        assert page.evaluate("document.documentElement.lang") == lang
        card = page.locator("[data-testid=plan-card]")
        expect(card.get_by_role("heading", name=heading)).to_be_visible()
        expect(card.locator(f"dt:text-is('{seats}') + dd")).to_contain_text(price)
        main = page.locator("main")
        for english in ("Next payment", "Seats", "Change plan", "Cancel plan", "Included in your plan"):
            expect(main).not_to_contain_text(english)
        screen(page, f"{lang}-overview")
        # Zero-decimal currencies: Intl's digits for the currency divide the minor unit (1000 JPY is 1000 yen).
        amounts = page.evaluate(
            "import('/billing/format.js')"
            ".then((f) => [f.money(1000, 'jpy'), f.money(2900, 'usd'), f.money(2900, 'eur')])"
        )
        expected = {"es": ["1000 JPY", "29,00 US$", "29,00 €"], "ja": ["￥1,000", "$29.00", "€29.00"]}
        assert [a.replace("\xa0", " ") for a in amounts] == expected[lang]
    finally:
        ctx.close()


def test_choosing_a_language_in_billing_details_switches_the_page_and_stripes_preferred_locales(
    page: Page, web_stack: dict[str, Any]
) -> None:
    email, password, customer = seed_own_user(web_stack, "active-pro", "Greta Wechsel")
    sign_in(page, web_stack, email, password, ("Email", "Password", "Sign in"))
    page.get_by_role("link", name="Billing details").click()
    form = page.locator("[data-testid=details-form]")
    language = form.get_by_label("Language")
    expect(language).to_have_value("")  # none chosen yet: the browser's language
    language.select_option("de")
    form.get_by_role("button", name="Save details").click()
    expect(flash(page)).to_contain_text("Ihre Rechnungsdaten wurden gespeichert.")
    assert page.evaluate("document.documentElement.lang") == "de"
    expect(page.get_by_role("link", name="Rechnungsdaten")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-testid=details-form]").get_by_label("Sprache")).to_have_value("de")
    assert stripe_client(web_stack).v1.customers.retrieve(customer).preferred_locales == ["de"]
    screen(page, "de-details-language")
    # A reload keeps it: it is the customer's, not the tab's.
    page.reload()
    expect(page.locator("[data-testid=details-form]").get_by_label("Sprache")).to_have_value("de")
