"""The retention job: records that have served their purpose are deleted, so that personal and
technical data is not kept longer than needed (docs/operations.md, "Privacy and retention").

Run by the scheduler (renewals.jobs, `privacy.retention`) once an hour; every purge is a delete by age,
so a run that is repeated or dies half-way is harmless.
"""

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from simrenew.customers.models import LinkChallenge
from simrenew.customers.service import LOCKOUT
from simrenew.jobs import service as jobs
from simrenew.notifications.models import OutboxMessage
from simrenew.terminals import service as terminals
from simrenew.throttles import service as throttles

# A link code is kept this long after it expired: the hourly limit on codes and the lockout after
# wrong tries count the codes of the last hour (LOCKOUT from the last wrong try, which is never after
# the code expired), so a code past this is of no use any more.
LINK_CODE_KEPT = max(timedelta(hours=1), LOCKOUT)


def due(since: datetime | None, until: datetime) -> bool:
    """Whether the hourly run is due: the first tick of each hour (or the first run ever)."""
    return since is None or since.replace(minute=0, second=0, microsecond=0) < until.replace(
        minute=0, second=0, microsecond=0
    )


def purge(*, at: datetime) -> dict[str, int]:
    """Delete everything past its keeping time at `at`; how many of each went."""
    nonces, answers = terminals.prune(
        nonce_age_seconds=2 * settings.TERMINAL_MAX_SKEW_SECONDS, idempotency_days=settings.IDEMPOTENCY_RETENTION_DAYS
    )
    return {
        "link_codes": purge_link_codes(at=at),
        "sessions": purge_sessions(),
        "outbox": purge_outbox(),
        "nonces": nonces,
        "idempotency": answers,
        "jobs": jobs.prune(older_than=timedelta(days=settings.JOBS_RETENTION_DAYS)),
        "throttle_windows": throttles.prune(before=at - timedelta(days=1)),
    }


def purge_link_codes(*, at: datetime) -> int:
    deleted, _ = LinkChallenge.objects.filter(expires_at__lt=at - LINK_CODE_KEPT).delete()
    return deleted


def purge_sessions() -> int:
    """Expired sessions (they still name the account that logged in). Sessions kept elsewhere than in
    the database (cache, signed cookies) expire on their own."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        store.clear_expired()
        return 0
    deleted, _ = store.get_model_class().objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def purge_outbox() -> int:
    """Dev-outbox messages (the embedded default captures e-mails and SMS with their addresses)."""
    cutoff = timezone.now() - timedelta(days=settings.DEV_OUTBOX_RETENTION_DAYS)
    deleted, _ = OutboxMessage.objects.filter(created_at__lt=cutoff).delete()
    return deleted
