"""`simrenew jobs`: the job queue from the command line — counts, the dead-letter list, retrying
dead jobs, pruning old successful ones (from cron)."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from simrenew.jobs import queries, service
from simrenew.jobs.models import Job, JobStatus


class Command(BaseCommand):
    help = "Show the job queue, list or retry dead jobs, prune old successful jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="jobs per status")
        actions.add_parser("dead", help="the dead-letter list: failed jobs with their last error")
        retry = actions.add_parser("retry", help="queue failed jobs again")
        retry.add_argument("ids", nargs="*", help="job ids (default with --all: every failed job)")
        retry.add_argument("--all", action="store_true", help="every failed job")
        prune = actions.add_parser("prune", help="delete successful jobs older than --days")
        prune.add_argument("--days", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            counts = queries.counts_by_status()
            for status in JobStatus:
                self.stdout.write(f"{status.label}: {counts.get(status.value, 0)}")
        elif action == "dead":
            for job in Job.objects.filter(status=JobStatus.FAILED).order_by("finished_at"):
                self.stdout.write(f"{job.pk} {job.task_name} attempts={job.attempts} {job.last_error[:160]}")
        elif action == "retry":
            ids = options["ids"]
            if options["all"]:
                ids = [str(pk) for pk in Job.objects.filter(status=JobStatus.FAILED).values_list("pk", flat=True)]
            if not ids:
                raise CommandError("name the jobs to retry, or --all")
            self.stdout.write(f"{service.retry(job_ids=ids, actor='command line')} job(s) queued again")
        elif action == "prune":
            if options["days"] < 1:
                raise CommandError("--days must be 1 or more")
            self.stdout.write(f"{service.prune(older_than=timedelta(days=options['days']))} job(s) deleted")
