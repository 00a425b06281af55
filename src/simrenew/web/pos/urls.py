from django.urls import path

from simrenew.web.pos import views

app_name = "pos"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.PosLoginView.as_view(), name="login"),
    path("logout/", views.PosLogoutView.as_view(), name="logout"),
    path("sell/", views.choose, name="choose"),
    path("sell/confirm/", views.confirm, name="confirm"),
    path("pin/", views.pin, name="pin"),
    path("sales/<str:number>/", views.receipt, name="receipt"),
    path("sales/<str:number>/void/", views.void, name="void"),
    path("settlement/", views.settlement, name="settlement"),
]
