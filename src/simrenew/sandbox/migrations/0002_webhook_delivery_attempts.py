"""Webhook calls are numbered by status change and attempt, at most one row per attempt.

Calls recorded before had no status-change number: each (payment, attempt) group is numbered 1, 2, …
in the order the calls were made, and each payment's count starts past its highest number, so that no
new delivery takes the number of an old one.
"""

from django.db import migrations, models
from django.db.models import Max


def number_recorded_calls(apps, schema_editor):
    call_model = apps.get_model("sandbox", "SandboxWebhookCall")
    payment_model = apps.get_model("sandbox", "SandboxPayment")
    seen: dict[tuple[int, int], int] = {}
    for call in call_model.objects.order_by("pk").only("pk", "payment_id", "attempt"):
        key = (call.payment_id, call.attempt)
        seen[key] = seen.get(key, 0) + 1
        call_model.objects.filter(pk=call.pk).update(status_change=seen[key])
    highest = call_model.objects.values("payment_id").annotate(highest=Max("status_change"))
    for row in highest:
        payment_model.objects.filter(pk=row["payment_id"]).update(status_changes=row["highest"])


class Migration(migrations.Migration):
    dependencies = [
        ("sandbox", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="sandboxpayment",
            name="status_changes",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="sandboxwebhookcall",
            name="status_change",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(number_recorded_calls, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="sandboxwebhookcall",
            constraint=models.UniqueConstraint(
                fields=("payment", "status_change", "attempt"), name="sandbox_webhook_call_once_per_attempt"
            ),
        ),
    ]
