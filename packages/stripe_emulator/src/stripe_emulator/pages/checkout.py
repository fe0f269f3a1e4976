"""The hosted Checkout page: `GET /checkout/{id}` shows the order and a test card list; the form POSTs back and
completes the session like `POST /_emulator/checkout_sessions/{id}/complete`, then redirects to `success_url`."""

from __future__ import annotations

from ..backend import Backend
from ..errors import StripeAPIError
from ..models.checkout import CheckoutSession
from ..resources.checkout_completion import complete_session
from ..resources.checkout_sessions import get_session
from ..router import RawResponse, Request
from .common import alert, card_fieldset, esc, money, page, redirect, safe_url


def _success_location(s: CheckoutSession) -> str | None:
    url = safe_url(s.get("success_url"))
    return url.replace("{CHECKOUT_SESSION_ID}", s["id"]) if url else None


def _render(b: Backend, s: CheckoutSession, error: str | None = None, status: int = 200) -> RawResponse:
    if s["status"] == "expired":
        back = safe_url(s.get("cancel_url"))
        link = f'<p><a href="{esc(back)}">Return to the merchant</a></p>' if back else ""
        return page("This Checkout Session has expired", f"<p>Start again from the merchant's site.</p>{link}", 410)
    if s["status"] == "complete":
        done = _success_location(s)
        link = f'<p><a href="{esc(done)}">Continue</a></p>' if done else ""
        return page("Thanks for your order", f'<p role="status">Your subscription is active.</p>{link}')
    rows = []
    for li in s["_line_items"]:
        price = b.objects.get(li["price"]) or {}
        recurring = price.get("recurring") or {}
        every = recurring.get("interval_count", 1)
        per = recurring.get("interval", "")
        per_text = f" every {every} {per}s" if every and int(every) > 1 else f" per {per}"
        rows.append(
            f"<tr><td>{esc(li.get('description') or li['price'])}</td><td>{esc(li['quantity'])}</td>"
            f"<td>{esc(money(li['amount_subtotal'], li['currency']))}{esc(per_text)}</td></tr>"
        )
    trial = (s.get("_subscription_data") or {}).get("trial_period_days")
    trial_text = f"<p>{esc(trial)}-day free trial; you pay nothing today.</p>" if trial else ""
    email_field = ""
    if not s.get("customer") and not s.get("customer_email"):
        email_field = '<label>Email <input type="email" name="email" autocomplete="email" required></label>'
    elif s.get("customer_email"):
        email_field = f"<p>Email: {esc(s['customer_email'])}</p>"
    promo = (
        '<label>Promotion code <input type="text" name="promotion_code" autocomplete="off"></label>'
        if s.get("allow_promotion_codes")
        else ""
    )
    cancel = safe_url(s.get("cancel_url"))
    cancel_link = f'<p><a href="{esc(cancel)}">Cancel and return</a></p>' if cancel else ""
    body = (
        f"{alert(error)}"
        "<table><caption>Order</caption><thead><tr><th>Item</th><th>Qty</th><th>Price</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<p>Total due today: <strong>{esc(money(s['amount_total'], s['currency']))}</strong></p>{trial_text}"
        f'<form method="post" action="/checkout/{esc(s["id"])}">{email_field}{promo}'
        f'{card_fieldset()}<button type="submit">Subscribe</button></form>{cancel_link}'
    )
    return page("Checkout (Stripe emulator)", body, status)


def checkout_page(b: Backend, req: Request) -> RawResponse:
    with b.lock:
        try:
            s = get_session(b, req.path_params["session"])
        except StripeAPIError:
            return page("Checkout Session not found", "<p>This link is not valid.</p>", 404)
        return _render(b, s)


def checkout_submit(b: Backend, req: Request) -> RawResponse:
    p = req.params
    with b.lock:
        try:
            s = get_session(b, req.path_params["session"])
        except StripeAPIError:
            return page("Checkout Session not found", "<p>This link is not valid.</p>", 404)
        if s["status"] != "open":
            return _render(b, s)
        try:
            complete_session(
                b,
                s["id"],
                str(p.get("payment_method") or "pm_card_visa"),
                email=str(p["email"]) if p.get("email") else None,
                promotion_code=str(p["promotion_code"]) if p.get("promotion_code") else None,
                request_id=req.request_id,
            )
        except StripeAPIError as exc:
            return _render(b, s, exc.message, 402 if exc.status == 402 else 400)
        location = _success_location(s)
        return redirect(location) if location else _render(b, s)
