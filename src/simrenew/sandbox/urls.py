"""The sandbox under /sandbox/mollie/: Mollie's v2 API at v2/, the hosted checkout and the tester's list.

API paths have no trailing slash, exactly as the official client builds them."""

from django.urls import path

from simrenew.sandbox import api, settlement_api, views

app_name = "sandbox"

urlpatterns = [
    path("", views.payment_list, name="payments"),
    path("checkout/<str:payment_id>/", views.checkout, name="checkout"),
    path("payments/<str:payment_id>/mark-paid/", views.mark_paid, name="mark_paid"),
    path("payments/<str:payment_id>/refund-outcome/", views.refund_outcome, name="refund_outcome"),
    path("payments/<str:payment_id>/refunds/<str:refund_id>/status/", views.refund_status, name="refund_status"),
    path("v2/payments", api.payments, name="api_payments"),
    path("v2/payments/<str:payment_id>", api.payment, name="api_payment"),
    path("v2/payments/<str:payment_id>/refunds", api.refunds, name="api_refunds"),
    path("v2/payments/<str:payment_id>/refunds/<str:refund_id>", api.refund, name="api_refund"),
    path("v2/customers", api.customers, name="api_customers"),
    path("v2/customers/<str:customer_id>", api.customer, name="api_customer"),
    path("v2/customers/<str:customer_id>/mandates", api.mandates, name="api_mandates"),
    path("v2/customers/<str:customer_id>/mandates/<str:mandate_id>", api.mandate, name="api_mandate"),
    path("v2/customers/<str:customer_id>/payments", api.customer_payments, name="api_customer_payments"),
    path("mandates/<str:mandate_id>/next-charge/", views.next_charge, name="next_charge"),
    path("v2/terminals", api.terminals, name="api_terminals"),
    path("v2/terminals/<str:terminal_id>", api.terminal, name="api_terminal"),
    path("terminals/", views.terminal_list, name="terminals"),
    path("terminals/<str:terminal_id>/", views.terminal_screen, name="terminal_screen"),
    path("v2/settlements", settlement_api.settlements_view, name="api_settlements"),
    path("v2/settlements/<str:settlement_id>", settlement_api.settlement_view, name="api_settlement"),
    path(
        "v2/settlements/<str:settlement_id>/payments",
        settlement_api.settlement_payments_view,
        name="api_settlement_payments",
    ),
    path(
        "v2/settlements/<str:settlement_id>/refunds",
        settlement_api.settlement_refunds_view,
        name="api_settlement_refunds",
    ),
    path("v2/balances", settlement_api.balances_view, name="api_balances"),
    path("v2/balances/<str:balance_id>", settlement_api.balance_view, name="api_balance"),
    path(
        "v2/balances/<str:balance_id>/transactions",
        settlement_api.balance_transactions_view,
        name="api_balance_transactions",
    ),
]
