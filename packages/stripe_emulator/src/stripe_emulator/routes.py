"""The emulator's route table: every (method, path) -> handler, in one place.

`server.py` dispatches with `match(ROUTES, method, path)`: the first entry whose pattern matches the path and whose
method is the request's wins, so an entry with a fixed segment (`/v1/customers/search`) comes before the
placeholder one (`/v1/customers/{customer}`). A handler receives the backend and a `Request` and returns a dict
(the JSON object, status 200), `(status, dict)` or a `RawResponse`; `params` names the stripe.params TypedDict the
request is validated against (None: no schema check). Handlers live in `handlers/` (one module per resource, apart
from the resource's model in `resources/`) and are module-private (`_create`); this table is their one caller.

Long because it is one table (about 130 entries, one per endpoint); nothing else lives here.
"""

from __future__ import annotations

from . import control
from .handlers import (
    billing_portal,
    checkout_sessions,
    coupons,
    customer_search,
    customer_sessions,
    customers,
    events,
    invoice_items,
    invoices,
    payment_intents,
    payment_methods,
    portal_configurations,
    prices,
    products,
    promotion_codes,
    setup_intents,
    stripejs,
    subscription_items,
    subscription_schedules,
    subscriptions,
    tax_ids,
    test_clocks,
    webhook_endpoints,
)
from .pages import checkout as checkout_page
from .pages import portal as portal_page
from .router import Route, endpoint

ROUTES: tuple[Route, ...] = (
    endpoint("POST", "/_emulator/reset", control._reset, auth="none"),
    endpoint("POST", "/_emulator/faults", control._set_faults, auth="none"),
    endpoint("GET", "/_emulator/faults", control._get_faults, auth="none"),
    endpoint("POST", "/_emulator/rate_limits", control._set_rate_limits, auth="none"),
    endpoint("GET", "/_emulator/rate_limits", control._get_rate_limits, auth="none"),
    endpoint("POST", "/_emulator/webhooks", control._set_webhooks, auth="none"),
    endpoint("GET", "/_emulator/webhooks", control._get_webhooks, auth="none"),
    endpoint("POST", "/v1/checkout/sessions", checkout_sessions._create, params="checkout.SessionCreateParams"),
    endpoint(
        "GET", "/v1/checkout/sessions/{session}", checkout_sessions._retrieve, params="checkout.SessionRetrieveParams"
    ),
    endpoint(
        "POST",
        "/v1/checkout/sessions/{session}/expire",
        checkout_sessions._expire,
        params="checkout.SessionExpireParams",
    ),
    endpoint(
        "GET", "/v1/checkout/sessions", checkout_sessions._list, params="checkout.SessionListParams", list_endpoint=True
    ),
    endpoint(
        "GET",
        "/v1/checkout/sessions/{session}/line_items",
        checkout_sessions._line_items_route,
        params="checkout.SessionListLineItemsParams",
    ),
    endpoint("POST", "/_emulator/checkout_sessions/{session}/complete", checkout_sessions._complete, auth="none"),
    endpoint(
        "POST",
        "/v1/billing_portal/configurations",
        portal_configurations._create_cfg,
        params="billing_portal.ConfigurationCreateParams",
    ),
    endpoint(
        "POST",
        "/v1/billing_portal/configurations/{configuration}",
        portal_configurations._update_cfg,
        params="billing_portal.ConfigurationModifyParams",
    ),
    endpoint(
        "GET",
        "/v1/billing_portal/configurations/{configuration}",
        portal_configurations._retrieve_cfg,
        params="billing_portal.ConfigurationRetrieveParams",
    ),
    endpoint(
        "GET",
        "/v1/billing_portal/configurations",
        portal_configurations._list_cfg,
        params="billing_portal.ConfigurationListParams",
        list_endpoint=True,
    ),
    endpoint(
        "POST",
        "/v1/billing_portal/sessions",
        billing_portal._create_session,
        params="billing_portal.SessionCreateParams",
    ),
    endpoint("POST", "/v1/customers", customers._create, params="CustomerCreateParams"),
    endpoint("GET", "/v1/customers/search", customer_search._search, params="CustomerSearchParams"),
    endpoint("GET", "/v1/customers/{customer}", customers._retrieve, params="CustomerRetrieveParams"),
    endpoint("POST", "/v1/customers/{customer}", customers._update, params="CustomerUpdateParams"),
    endpoint("DELETE", "/v1/customers/{customer}", customers._delete, params="CustomerDeleteParams"),
    endpoint("GET", "/v1/customers", customers._list, params="CustomerListParams", list_endpoint=True),
    endpoint("POST", "/v1/coupons", coupons._create, params="CouponCreateParams"),
    endpoint("GET", "/v1/coupons/{id}", coupons._retrieve, params="CouponRetrieveParams"),
    endpoint("POST", "/v1/coupons/{id}", coupons._update, params="CouponUpdateParams"),
    endpoint("DELETE", "/v1/coupons/{id}", coupons._delete, params="CouponDeleteParams"),
    endpoint("GET", "/v1/coupons", coupons._list, params="CouponListParams", list_endpoint=True),
    endpoint("GET", "/v1/events", events._list, params="EventListParams", list_endpoint=True),
    endpoint("GET", "/v1/events/{id}", events._retrieve, params="EventRetrieveParams"),
    endpoint("POST", "/v1/invoiceitems", invoice_items._create, params="InvoiceItemCreateParams"),
    endpoint("GET", "/v1/invoiceitems/{item}", invoice_items._retrieve, params="InvoiceItemRetrieveParams"),
    endpoint("POST", "/v1/invoiceitems/{item}", invoice_items._update, params="InvoiceItemUpdateParams"),
    endpoint("DELETE", "/v1/invoiceitems/{item}", invoice_items._delete, params="InvoiceItemDeleteParams"),
    endpoint("GET", "/v1/invoiceitems", invoice_items._list, params="InvoiceItemListParams", list_endpoint=True),
    endpoint("GET", "/checkout/{session}", checkout_page.checkout_page, auth="none"),
    endpoint("POST", "/checkout/{session}", checkout_page.checkout_submit, auth="none"),
    endpoint("GET", "/portal/session/{session}", portal_page.portal_page, auth="none"),
    endpoint("POST", "/portal/session/{session}", portal_page.portal_submit, auth="none"),
    endpoint(
        "POST", "/v1/payment_methods", payment_methods._create, params="PaymentMethodCreateParams", auth="publishable"
    ),
    endpoint("GET", "/v1/payment_methods/{id}", payment_methods._retrieve, params="PaymentMethodRetrieveParams"),
    endpoint("POST", "/v1/payment_methods/{id}", payment_methods._update, params="PaymentMethodUpdateParams"),
    endpoint("POST", "/v1/payment_methods/{id}/attach", payment_methods._attach, params="PaymentMethodAttachParams"),
    endpoint("POST", "/v1/payment_methods/{id}/detach", payment_methods._detach, params="PaymentMethodDetachParams"),
    endpoint("GET", "/v1/payment_methods", payment_methods._list, params="PaymentMethodListParams", list_endpoint=True),
    endpoint(
        "GET",
        "/v1/customers/{customer}/payment_methods",
        payment_methods._list_for_customer,
        params="CustomerPaymentMethodListParams",
        list_endpoint=True,
    ),
    endpoint(
        "GET",
        "/v1/customers/{customer}/payment_methods/{id}",
        payment_methods._retrieve_for_customer,
        params="CustomerPaymentMethodRetrieveParams",
    ),
    endpoint("POST", "/v1/payment_intents", payment_intents.api_create, params="PaymentIntentCreateParams"),
    endpoint(
        "GET",
        "/v1/payment_intents/{intent}",
        payment_intents.api_retrieve,
        params="PaymentIntentRetrieveParams",
        auth="publishable",
    ),
    endpoint("POST", "/v1/payment_intents/{intent}/confirm", payment_intents.api_confirm, auth="publishable"),
    endpoint(
        "POST", "/v1/payment_intents/{intent}/cancel", payment_intents.api_cancel, params="PaymentIntentCancelParams"
    ),
    endpoint(
        "GET", "/v1/payment_intents", payment_intents.api_list, params="PaymentIntentListParams", list_endpoint=True
    ),
    endpoint("POST", "/_emulator/payment_intents/{intent}/3ds", payment_intents.api_3ds, auth="none"),
    endpoint("POST", "/v1/invoices", invoices._create, params="InvoiceCreateParams"),
    endpoint("POST", "/v1/invoices/create_preview", invoices._preview, params="InvoiceCreatePreviewParams"),
    endpoint("GET", "/v1/invoices/{invoice}", invoices._retrieve, params="InvoiceRetrieveParams"),
    endpoint("POST", "/v1/invoices/{invoice}", invoices._update, params="InvoiceUpdateParams"),
    endpoint("DELETE", "/v1/invoices/{invoice}", invoices._delete, params="InvoiceDeleteParams"),
    endpoint("GET", "/v1/invoices", invoices._list, params="InvoiceListParams", list_endpoint=True),
    endpoint(
        "GET", "/v1/invoices/{invoice}/lines", invoices._lines, params="InvoiceListLinesParams", list_endpoint=True
    ),
    endpoint("POST", "/v1/invoices/{invoice}/finalize", invoices._finalize, params="InvoiceFinalizeInvoiceParams"),
    endpoint("POST", "/v1/invoices/{invoice}/pay", invoices._pay, params="InvoicePayParams"),
    endpoint("POST", "/v1/invoices/{invoice}/void", invoices._void, params="InvoiceVoidInvoiceParams"),
    endpoint(
        "POST",
        "/v1/invoices/{invoice}/mark_uncollectible",
        invoices._uncollectible,
        params="InvoiceMarkUncollectibleParams",
    ),
    endpoint("GET", "/invoices/{invoice}/hosted", invoices._hosted, auth="none"),
    endpoint("POST", "/invoices/{invoice}/hosted/pay", invoices._hosted_pay, auth="none"),
    endpoint("GET", "/invoices/{invoice}/pdf", invoices._pdf, auth="none"),
    endpoint("POST", "/v1/prices", prices._create, params="PriceCreateParams"),
    endpoint("GET", "/v1/prices/{id}", prices._retrieve, params="PriceRetrieveParams"),
    endpoint("POST", "/v1/prices/{id}", prices._update, params="PriceUpdateParams"),
    endpoint("GET", "/v1/prices", prices._list, params="PriceListParams", list_endpoint=True),
    endpoint("POST", "/v1/products", products._create, params="ProductCreateParams"),
    endpoint("GET", "/v1/products/{id}", products._retrieve, params="ProductRetrieveParams"),
    endpoint("POST", "/v1/products/{id}", products._update, params="ProductUpdateParams"),
    endpoint("DELETE", "/v1/products/{id}", products._delete, params="ProductDeleteParams"),
    endpoint("GET", "/v1/products", products._list, params="ProductListParams", list_endpoint=True),
    endpoint("POST", "/v1/promotion_codes", promotion_codes._create, params="PromotionCodeCreateParams"),
    endpoint("GET", "/v1/promotion_codes/{id}", promotion_codes._retrieve, params="PromotionCodeRetrieveParams"),
    endpoint("POST", "/v1/promotion_codes/{id}", promotion_codes._update, params="PromotionCodeUpdateParams"),
    endpoint("GET", "/v1/promotion_codes", promotion_codes._list, params="PromotionCodeListParams", list_endpoint=True),
    endpoint("POST", "/v1/customer_sessions", customer_sessions._create, params="CustomerSessionCreateParams"),
    endpoint(
        "GET", "/_emulator/customer_sessions/payment_methods", customer_sessions._payment_methods, auth="publishable"
    ),
    endpoint("POST", "/v1/setup_intents", setup_intents._create, params="SetupIntentCreateParams"),
    endpoint(
        "GET", "/v1/setup_intents/{id}", setup_intents._retrieve, params="SetupIntentRetrieveParams", auth="publishable"
    ),
    endpoint("POST", "/v1/setup_intents/{id}", setup_intents._update, params="SetupIntentUpdateParams"),
    endpoint("POST", "/v1/setup_intents/{id}/confirm", setup_intents._confirm, auth="publishable"),
    endpoint("POST", "/v1/setup_intents/{id}/cancel", setup_intents._cancel, params="SetupIntentCancelParams"),
    endpoint("GET", "/v1/setup_intents", setup_intents._list, params="SetupIntentListParams", list_endpoint=True),
    endpoint("POST", "/_emulator/setup_intents/{id}/3ds", setup_intents._three_ds, auth="none"),
    endpoint("GET", "/_emulator/setup_intents/{id}/3ds", setup_intents._three_ds_page, auth="none"),
    endpoint("GET", "/v3/", stripejs._serve, auth="none"),
    endpoint("GET", "/v3", stripejs._serve, auth="none"),
    endpoint("GET", "/v3/stripe.js", stripejs._serve, auth="none"),
    endpoint(
        "GET",
        "/v1/subscription_items",
        subscription_items._list,
        params="SubscriptionItemListParams",
        list_endpoint=True,
    ),
    endpoint(
        "GET", "/v1/subscription_items/{item}", subscription_items._retrieve, params="SubscriptionItemRetrieveParams"
    ),
    endpoint("POST", "/v1/subscription_items", subscription_items._create, params="SubscriptionItemCreateParams"),
    endpoint(
        "POST", "/v1/subscription_items/{item}", subscription_items._update, params="SubscriptionItemUpdateParams"
    ),
    endpoint(
        "DELETE", "/v1/subscription_items/{item}", subscription_items._delete, params="SubscriptionItemDeleteParams"
    ),
    endpoint(
        "POST", "/v1/subscription_schedules", subscription_schedules._create, params="SubscriptionScheduleCreateParams"
    ),
    endpoint(
        "GET",
        "/v1/subscription_schedules/{schedule}",
        subscription_schedules._retrieve,
        params="SubscriptionScheduleRetrieveParams",
    ),
    endpoint(
        "POST",
        "/v1/subscription_schedules/{schedule}",
        subscription_schedules._update,
        params="SubscriptionScheduleUpdateParams",
    ),
    endpoint(
        "POST",
        "/v1/subscription_schedules/{schedule}/release",
        subscription_schedules._release,
        params="SubscriptionScheduleReleaseParams",
    ),
    endpoint(
        "POST",
        "/v1/subscription_schedules/{schedule}/cancel",
        subscription_schedules._cancel,
        params="SubscriptionScheduleCancelParams",
    ),
    endpoint(
        "GET",
        "/v1/subscription_schedules",
        subscription_schedules._list,
        params="SubscriptionScheduleListParams",
        list_endpoint=True,
    ),
    endpoint("POST", "/v1/subscriptions", subscriptions._create, params="SubscriptionCreateParams"),
    endpoint("GET", "/v1/subscriptions/search", subscriptions._search, params="SubscriptionSearchParams"),
    endpoint("GET", "/v1/subscriptions/{subscription}", subscriptions._retrieve, params="SubscriptionRetrieveParams"),
    endpoint("POST", "/v1/subscriptions/{subscription}", subscriptions._update, params="SubscriptionUpdateParams"),
    endpoint("DELETE", "/v1/subscriptions/{subscription}", subscriptions._cancel, params="SubscriptionCancelParams"),
    endpoint("POST", "/v1/subscriptions/{subscription}/pause", subscriptions._pause, params="SubscriptionPauseParams"),
    endpoint(
        "POST", "/v1/subscriptions/{subscription}/resume", subscriptions._resume, params="SubscriptionResumeParams"
    ),
    endpoint(
        "POST", "/v1/subscriptions/{subscription}/migrate", subscriptions._migrate, params="SubscriptionMigrateParams"
    ),
    endpoint("GET", "/v1/subscriptions", subscriptions._list, params="SubscriptionListParams", list_endpoint=True),
    endpoint("POST", "/v1/customers/{customer}/tax_ids", tax_ids._create, params="CustomerTaxIdCreateParams"),
    endpoint(
        "GET",
        "/v1/customers/{customer}/tax_ids",
        tax_ids._list_for_customer,
        params="CustomerTaxIdListParams",
        list_endpoint=True,
    ),
    endpoint(
        "GET",
        "/v1/customers/{customer}/tax_ids/{id}",
        tax_ids._retrieve_for_customer,
        params="CustomerTaxIdRetrieveParams",
    ),
    endpoint(
        "DELETE",
        "/v1/customers/{customer}/tax_ids/{id}",
        tax_ids._delete_for_customer,
        params="CustomerTaxIdDeleteParams",
    ),
    endpoint("POST", "/v1/tax_ids", tax_ids._create_top, params="TaxIdCreateParams"),
    endpoint("GET", "/v1/tax_ids", tax_ids._list_top, params="TaxIdListParams", list_endpoint=True),
    endpoint("GET", "/v1/tax_ids/{id}", tax_ids._retrieve_top, params="TaxIdRetrieveParams"),
    endpoint("DELETE", "/v1/tax_ids/{id}", tax_ids._delete_top, params="TaxIdDeleteParams"),
    endpoint("POST", "/v1/test_helpers/test_clocks", test_clocks._create, params="test_helpers.TestClockCreateParams"),
    endpoint(
        "GET",
        "/v1/test_helpers/test_clocks/{clock}",
        test_clocks._retrieve,
        params="test_helpers.TestClockRetrieveParams",
    ),
    endpoint(
        "GET",
        "/v1/test_helpers/test_clocks",
        test_clocks._list,
        params="test_helpers.TestClockListParams",
        list_endpoint=True,
    ),
    endpoint(
        "DELETE",
        "/v1/test_helpers/test_clocks/{clock}",
        test_clocks._delete,
        params="test_helpers.TestClockDeleteParams",
    ),
    endpoint(
        "POST",
        "/v1/test_helpers/test_clocks/{clock}/advance",
        test_clocks._advance,
        params="test_helpers.TestClockAdvanceParams",
    ),
    endpoint("POST", "/v1/webhook_endpoints", webhook_endpoints._create, params="WebhookEndpointCreateParams"),
    endpoint("GET", "/v1/webhook_endpoints/{id}", webhook_endpoints._retrieve, params="WebhookEndpointRetrieveParams"),
    endpoint("POST", "/v1/webhook_endpoints/{id}", webhook_endpoints._update, params="WebhookEndpointUpdateParams"),
    endpoint("DELETE", "/v1/webhook_endpoints/{id}", webhook_endpoints._delete, params="WebhookEndpointDeleteParams"),
    endpoint(
        "GET", "/v1/webhook_endpoints", webhook_endpoints._list, params="WebhookEndpointListParams", list_endpoint=True
    ),
)
