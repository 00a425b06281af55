from django.urls import include, path

from simrenew.reports.queries import REPORTS
from simrenew.web.backoffice import (
    cash_box_views,
    home_views,
    leftover_views,
    promotion_views,
    reconciliation_views,
    refund_views,
    report_views,
)

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
    path("leftover-credit/", leftover_views.leftover_list, name="leftover"),
    path("leftover-credit/ask/", leftover_views.leftover_on_behalf, name="leftover_on_behalf"),
    path("leftover-credit/<int:request_id>/approve/", leftover_views.leftover_approve, name="leftover_approve"),
    path("leftover-credit/<int:request_id>/reject/", leftover_views.leftover_reject, name="leftover_reject"),
    path("leftover-credit/files/", leftover_views.leftover_batch_create, name="leftover_batch_create"),
    path("leftover-credit/files/<int:batch_id>.xml", leftover_views.leftover_batch_file, name="leftover_batch_file"),
    path("cash-boxes/", cash_box_views.cash_boxes, name="cash_boxes"),
    path("cash-boxes/<slug:code>/", cash_box_views.cash_box, name="cash_box"),
    path("cash-boxes/<slug:code>/empty/", cash_box_views.empty_cash_box, name="cash_box_empty"),
    path("cash-boxes/<slug:code>/emptyings/<int:emptying_id>/", cash_box_views.emptying, name="cash_box_emptying"),
    path("reports/", report_views.reports, name="reports"),
    path("reports/commission-statement/", report_views.statement, name="commission_statement"),
    *[path(f"reports/{slug}/", report_views.report, {"slug": slug}, name=f"report_{slug}") for slug in REPORTS],
    path("reconciliation/", reconciliation_views.runs, name="reconciliation"),
    path("reconciliation/run/", reconciliation_views.run_day, name="reconciliation_run_day"),
    path("reconciliation/<int:run_id>/", reconciliation_views.run_detail, name="reconciliation_run"),
    path(
        "reconciliation/differences/<int:difference_id>/resolve/",
        reconciliation_views.resolve,
        name="reconciliation_resolve",
    ),
    path("", include("simrenew.web.support.backoffice_urls")),
]
