"""Back office: every job with its attempts and errors; the dead-letter list (status failed) with a
retry action for staff who hold `jobs.retry_job`."""

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from simrenew.jobs import service
from simrenew.jobs.models import Job, JobStatus
from simrenew.kit.admin import ReadOnlyAdmin

FIELDS: tuple[str, ...] = (
    "id",
    "task_path",
    "status",
    "tries",
    "queue_name",
    "priority",
    "enqueued_at",
    "run_after",
    "started_at",
    "finished_at",
    "worker_id",
    "lease_until",
    "arguments",
    "last_error",
    "history",
    "traceback",
    "return_value",
)


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["task", "status", "tries", "run_after", "finished_at", "short_error"]
    list_filter = ["status", "queue_name", "task_path"]
    search_fields = ["id", "task_path", "last_error"]
    ordering = ["-enqueued_at"]
    date_hierarchy = "enqueued_at"
    actions = ["retry_jobs"]
    fields = readonly_fields = FIELDS

    @admin.display(description=_("task"))
    def task(self, job: Job) -> str:
        return job.task_name

    @admin.display(description=_("attempts"))
    def tries(self, job: Job) -> str:
        return f"{job.attempts} / {job.max_attempts}"

    @admin.display(description=_("last error"))
    def short_error(self, job: Job) -> str:
        return job.last_error[:120]

    @admin.display(description=_("arguments"))
    def arguments(self, job: Job) -> str:
        return json.dumps(job.args_kwargs, ensure_ascii=False)

    @admin.display(description=_("attempts and errors"))
    def history(self, job: Job) -> str:
        return format_html(
            "<pre>{}</pre>",
            "\n".join(" · ".join(str(value) for value in entry.values()) for entry in job.errors) or "—",
        )

    @admin.action(description=_("Retry the selected failed jobs"), permissions=["retry"])
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        ids = [str(pk) for pk in queryset.filter(status=JobStatus.FAILED).values_list("pk", flat=True)]
        count = service.retry(job_ids=ids, actor=getattr(request.user, "email", "") or str(request.user))
        self.message_user(
            request,
            ngettext("%(count)d job queued again.", "%(count)d jobs queued again.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("jobs.retry_job")
