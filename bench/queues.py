"""The job queue for many machines: simrenew's database queue against RQ on Redis, the same jobs.

    .venv/bin/python bench/queues.py --jobs 2000 --workers 2

On a throwaway PostgreSQL cluster (bench/scratch_db.py) and the machine's Redis (127.0.0.1:6379,
database 15, flushed before and after), for each queue:
1. enqueue: the bench process enqueues N jobs, each in its own transaction as a web request would
   (the database queue: an INSERT in that transaction; RQ: a Redis call, which a real request must
   make after its commit — `transaction.on_commit` — or a rolled-back request would leave a job behind);
   prints the CPU per enqueue.
2. drain: W worker processes (`simrenew worker`; RQ's Worker, which forks a work horse per job, with
   Django set up once in its parent as django-rq's `rqworker` does; and RQ's SimpleWorker, no fork) run
   them; prints jobs/s and the delay from enqueue to run (p50, p99).
Each job does one UPDATE on PostgreSQL, a typical job's side effect. A benchmark, not a test: it prints
figures and never fails on a time. Loopback only.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
REDIS_URL = "redis://127.0.0.1:6379/15"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run_database_queue(env: dict[str, str], jobs: int, workers: int) -> dict[str, float]:
    import queue_tasks
    from django.db import transaction

    from simrenew.jobs.models import Job, JobStatus

    started = cpu()
    for _ in range(jobs):
        with transaction.atomic():
            queue_tasks.touch.enqueue(time.time())
    enqueue_ms = (cpu() - started) * 1000 / jobs
    wall = time.monotonic()
    procs = [
        subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "worker"], env=env, cwd=ROOT) for _ in range(workers)
    ]
    try:
        while Job.objects.filter(status__in=[JobStatus.READY, JobStatus.RUNNING]).exists():
            time.sleep(0.05)
        elapsed = time.monotonic() - wall
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    delays = [float(v) for v in Job.objects.filter(status=JobStatus.SUCCESSFUL).values_list("return_value", flat=True)]
    return {
        "enqueue_cpu_ms": enqueue_ms,
        "jobs_per_s": jobs / elapsed,
        "p50": percentile(delays, 0.5),
        "p99": percentile(delays, 0.99),
        "done": len(delays),
    }


def run_rq(env: dict[str, str], jobs: int, workers: int, worker_class: str | None) -> dict[str, float]:
    import rq_tasks
    from redis import Redis
    from rq import Queue

    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    queue = Queue("bench", connection=redis)
    started = cpu()
    for _ in range(jobs):
        queue.enqueue(rq_tasks.touch, time.time(), result_ttl=3600)
    enqueue_ms = (cpu() - started) * 1000 / jobs
    wall = time.monotonic()
    # Django set up once in the worker's parent, as django-rq's `manage.py rqworker` does.
    command = [sys.executable, str(ROOT / "bench" / "rq_worker.py"), REDIS_URL, "bench"]
    if worker_class:
        command.append("simple")
    procs = [subprocess.Popen(command, env=env, cwd=ROOT / "bench") for _ in range(workers)]
    for proc in procs:
        proc.wait(timeout=3600)
    elapsed = time.monotonic() - wall
    from rq.job import Job as RqJob
    from rq.registry import FinishedJobRegistry

    ids = FinishedJobRegistry(queue=queue).get_job_ids()
    delays = [float(job.return_value()) for job in RqJob.fetch_many(ids, connection=redis) if job is not None]
    redis.flushdb()
    return {
        "enqueue_cpu_ms": enqueue_ms,
        "jobs_per_s": jobs / elapsed,
        "p50": percentile(delays, 0.5),
        "p99": percentile(delays, 0.99),
        "done": len(delays),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="use this database (dropped and created again)")
    args = parser.parse_args()
    from scratch_db import scratch_database

    with scratch_database("queues", url=args.database_url) as (url, _home):
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "simrenew.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT / "src")]),
            "TASKS_BACKEND": "simrenew.jobs.backend.DatabaseBackend",
        }
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        os.environ.update(env)
        import django

        django.setup()
        from django.utils import timezone

        from simrenew.ops.models import CheckRun

        CheckRun.objects.create(name="queue-bench", ran_at=timezone.now(), ok=True)
        rows = [("database queue (simrenew worker)", run_database_queue(env, args.jobs, args.workers))]
        rows.append(("RQ on Redis (Worker, fork per job)", run_rq(env, args.jobs, args.workers, None)))
        rows.append(("RQ on Redis (SimpleWorker, no fork)", run_rq(env, args.jobs, args.workers, "simple")))
        total = CheckRun.objects.get(name="queue-bench").duration_ms
    print(f"\n{args.jobs} jobs, {args.workers} workers, one UPDATE each; PostgreSQL in a cluster of its own\n")
    print(f"{'queue':42} {'enqueue CPU ms':>15} {'jobs/s':>8} {'delay p50 s':>12} {'p99 s':>8} {'done':>6}")
    for name, r in rows:
        print(
            f"{name:42} {r['enqueue_cpu_ms']:15.3f} {r['jobs_per_s']:8.0f} {r['p50']:12.2f} {r['p99']:8.2f} "
            f"{r['done']:6.0f}"
        )
    print(f"\nwrites seen in the database: {total} (expected {args.jobs * len(rows)})")


if __name__ == "__main__":
    main()
