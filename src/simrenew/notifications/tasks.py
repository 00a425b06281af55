"""Background jobs of notifications: named `notifications.<verb>`, taking ids, idempotent."""

from django.tasks import task

from simrenew.notifications import delivery


@task()
def deliver_notification(notification_id: int) -> str:
    """notifications.deliver_notification: send one due notification (once; again only as the same
    message after an interrupted send)."""
    return delivery.deliver(notification_id)


@task()
def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """notifications.deliver_notifications: send the notices recorded together (one job for a batch of
    the scheduler's work, or for one event); each once, as deliver_notification does."""
    return delivery.deliver_many(notification_ids)


@task()
def send_due_notifications() -> int:
    """notifications.send_due_notifications: what was held for the morning or waits for a retry."""
    return delivery.send_due()
