from django.urls import path

from simrenew.web.shop import views

app_name = "shop"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.logout, name="logout"),
    path("lines/<int:line_id>/", views.line_detail, name="line"),
    path("lines/<int:line_id>/identify/", views.identify, name="identify"),
    path("lines/<int:line_id>/renew/", views.renew, name="renew"),
    path("lines/<int:line_id>/topup/", views.topup, name="topup"),
    path("card/<str:reference>/", views.card_payment, name="card_payment"),
    path("card/<str:reference>/status/", views.card_payment_status, name="card_payment_status"),
    path("card/<str:reference>/cancel/", views.card_payment_cancel, name="card_payment_cancel"),
    path("sales/<str:number>/", views.sale, name="sale"),
    path("sales/<str:number>/receipt/", views.receipt, name="receipt"),
    path("till/", views.till, name="till"),
    path("audit/", views.audit_log, name="audit"),
]
