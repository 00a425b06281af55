"""The sandbox under /sandbox/mollie/: Mollie's v2 API at v2/, the hosted checkout and the tester's list.

API paths have no trailing slash, exactly as the official client builds them."""

from django.urls import path

from simrenew.sandbox import api, views

app_name = "sandbox"

urlpatterns = [
    path("", views.payment_list, name="payments"),
    path("checkout/<str:payment_id>/", views.checkout, name="checkout"),
    path("payments/<str:payment_id>/mark-paid/", views.mark_paid, name="mark_paid"),
    path("v2/payments", api.payments, name="api_payments"),
    path("v2/payments/<str:payment_id>", api.payment, name="api_payment"),
    path("v2/payments/<str:payment_id>/refunds", api.refunds, name="api_refunds"),
    path("v2/payments/<str:payment_id>/refunds/<str:refund_id>", api.refund, name="api_refund"),
]
