"""The dead-letter list in the back office: staff read every job; only holders of jobs.retry_job retry."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from simrenew.jobs.models import Job, JobStatus
from simrenew.jobs.worker import Worker
from tests.factories import create_customer
from tests.jobs import tasks
from tests.staff.factories import staff_session

pytestmark = pytest.mark.django_db
CHANGELIST = "/en/admin/jobs/job/"


def staff(email: str, *codenames: str) -> Client:
    user = create_customer(email=email)
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="jobs", codename__in=codenames))
    return staff_session(user)  # past the second factor, which the admin asks of staff


def dead_job() -> Job:
    tasks.broken.enqueue("admin")
    Worker(batch=True).run()
    return Job.objects.get(status=JobStatus.FAILED)


def test_staff_see_the_dead_letter_list_with_the_error(job_backend) -> None:
    job = dead_job()
    client = staff("viewer@simrenew.example", "view_job")
    page = client.get(CHANGELIST, {"status__exact": "FAILED"})
    assert page.status_code == 200
    assert "ValueError: a bug" in page.text
    assert "Retry the selected failed jobs" not in page.text  # no retry permission
    refused = client.post(CHANGELIST, {"action": "retry_jobs", "_selected_action": [str(job.pk)]})
    assert refused.status_code == 200
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_staff_with_the_permission_retry_a_dead_job(job_backend) -> None:
    job = dead_job()
    client = staff("ops@simrenew.example", "view_job", "retry_job")
    assert "Retry the selected failed jobs" in client.get(CHANGELIST).text
    done = client.post(CHANGELIST, {"action": "retry_jobs", "_selected_action": [str(job.pk)]}, follow=True)
    assert "1 job queued again." in done.text
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.READY, 0)
    assert job.errors[-1]["event"] == "retried by ops@simrenew.example"
