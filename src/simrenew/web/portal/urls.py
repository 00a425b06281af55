from django.conf import settings
from django.urls import include, path

from simrenew.web.portal import (
    auth_views,
    catalogue_views,
    checkout_views,
    leftover_views,
    lifecycle_views,
    privacy_views,
    usage_views,
    views,
)

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("brands/<slug:code>/", catalogue_views.brand_page, name="brand"),
    path("register/", auth_views.register, name="register"),
    path("register/sent/", auth_views.register_sent, name="register_sent"),
    path("verify-email/<uidb64>/<token>/", auth_views.verify_email, name="verify_email"),
    path("verify-email/resend/", auth_views.resend_verification, name="resend_verification"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/", views.account, name="account"),
    path("account/lines/link/", views.link_line, name="link_line"),
    path("account/lines/link/<int:challenge_id>/", views.link_line_code, name="link_line_code"),
    path("account/lines/<int:line_id>/", views.line_detail, name="line"),
    path("account/lines/<int:line_id>/usage.csv", usage_views.usage_csv, name="usage_csv"),
    path("account/lines/<int:line_id>/renew/", views.renew, name="renew"),
    path("account/lines/<int:line_id>/leftover-credit/", leftover_views.leftover_credit, name="leftover_credit"),
    path("account/lines/<int:line_id>/auto-renew/", lifecycle_views.auto_renew, name="auto_renew"),
    path(
        "account/lines/<int:line_id>/auto-renew/save-payment/",
        lifecycle_views.save_payment_method,
        name="save_payment_method",
    ),
    path(
        "account/payment-methods/<int:mandate_id>/remove/",
        lifecycle_views.remove_payment_method,
        name="remove_payment_method",
    ),
    path("account/messages/", lifecycle_views.notification_settings, name="notification_settings"),
    path("account/privacy/", privacy_views.privacy, name="privacy"),
    path("account/privacy/my-data/", privacy_views.my_data, name="my_data"),
    path("account/privacy/my-details/", auth_views.profile, name="profile"),
    path("account/privacy/my-data.json", privacy_views.my_data_download, name="my_data_download"),
    path("account/privacy/delete/", privacy_views.delete_account, name="delete_account"),
    path("topup/", checkout_views.checkout, name="topup"),
    path("topup/voucher/", views.redeem_voucher, name="redeem_voucher"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/return/", views.order_return, name="order_return"),
    path("orders/<str:number>/retry/", views.order_retry, name="order_retry"),
    path("receipts/<str:number>/", views.receipt, name="receipt"),
    path("verify/", views.verify_receipt, name="verify_receipt"),
    path("official/", views.official_channels, name="official"),
    path("", include("simrenew.web.support.urls")),
]
# Demo only: the dev outbox shows every e-mail and SMS to anyone, so production has no such pages.
if not settings.PRODUCTION:
    urlpatterns += [
        path("dev/outbox/", views.dev_outbox, name="outbox"),
        path("dev/outbox/<int:message_id>/", views.dev_outbox_message, name="outbox_message"),
    ]
