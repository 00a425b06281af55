"""Customer service's support inbox, inside the back office's namespace (backoffice:support, …)."""

from django.urls import path

from simrenew.web.support import backoffice_views

urlpatterns = [
    path("support/", backoffice_views.inbox, name="support"),
    path("support/<int:case_id>/", backoffice_views.case_detail, name="support_case"),
    path("support/<int:case_id>/answer/", backoffice_views.answer, name="support_answer"),
    path("support/<int:case_id>/status/", backoffice_views.case_status, name="support_status"),
    path("support/<int:case_id>/messages/<int:message_id>/send/", backoffice_views.send_again, name="support_send"),
]
