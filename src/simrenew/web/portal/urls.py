from django.urls import path

from simrenew.web.portal import auth_views, lifecycle_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", auth_views.register, name="register"),
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
    path("account/lines/<int:line_id>/renew/", views.renew, name="renew"),
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
    path("topup/", views.topup, name="topup"),
    path("topup/voucher/", views.redeem_voucher, name="redeem_voucher"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/return/", views.order_return, name="order_return"),
    path("orders/<str:number>/retry/", views.order_retry, name="order_retry"),
    path("receipts/<str:number>/", views.receipt, name="receipt"),
    path("verify/", views.verify_receipt, name="verify_receipt"),
    path("official/", views.official_channels, name="official"),
    path("dev/outbox/", views.dev_outbox, name="outbox"),
    path("dev/outbox/<int:message_id>/", views.dev_outbox_message, name="outbox_message"),
]
