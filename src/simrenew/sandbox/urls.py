"""The sandbox under /sandbox/mollie/: Mollie's v2 API at v2/, the hosted checkout and the tester's list.

API paths have no trailing slash, exactly as the official client builds them."""

from django.urls import path

from simrenew.sandbox import api, views

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
]
