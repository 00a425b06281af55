from django.urls import include, path

from simrenew.web.backoffice import cash_box_views, home_views, promotion_views, refund_views

app_name = "backoffice"
urlpatterns: list = [
    path("", home_views.home, name="home"),
    path("promotions/", promotion_views.promotions, name="promotions"),
    path("promotions/<int:promotion_id>/", promotion_views.promotion_detail, name="promotion"),
    path("promotions/<int:promotion_id>/status/", promotion_views.promotion_status, name="promotion_status"),
    path("refunds/", refund_views.refund_list, name="refunds"),
    path("refunds/<int:refund_id>/retry/", refund_views.refund_retry, name="refund_retry"),
    path("orders/<str:number>/", refund_views.order_detail, name="order"),
    path("orders/<str:number>/refunds/", refund_views.refund_create, name="refund_create"),
    path("cash-boxes/", cash_box_views.cash_boxes, name="cash_boxes"),
    path("cash-boxes/<slug:code>/", cash_box_views.cash_box, name="cash_box"),
    path("cash-boxes/<slug:code>/empty/", cash_box_views.empty_cash_box, name="cash_box_empty"),
    path("cash-boxes/<slug:code>/emptyings/<int:emptying_id>/", cash_box_views.emptying, name="cash_box_emptying"),
    path("", include("simrenew.web.support.backoffice_urls")),
]
