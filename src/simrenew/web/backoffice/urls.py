from django.urls import include, path

from simrenew.web.backoffice import home_views, promotion_views

app_name = "backoffice"
urlpatterns: list = [
    path("", home_views.home, name="home"),
    path("promotions/", promotion_views.promotions, name="promotions"),
    path("promotions/<int:promotion_id>/", promotion_views.promotion_detail, name="promotion"),
    path("promotions/<int:promotion_id>/status/", promotion_views.promotion_status, name="promotion_status"),
    path("", include("simrenew.web.support.backoffice_urls")),
]
