"""Idempotency keys get a scope, so that pages (a staff member, a kiosk screen) can use them as the
terminal API does; a terminal's existing keys move to the scope `terminal:<id>`."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat


def scope_terminal_keys(apps, schema_editor):  # type: ignore[no-untyped-def]
    IdempotentCall = apps.get_model("terminals", "IdempotentCall")
    IdempotentCall.objects.update(scope=Concat(Value("terminal:"), Cast("terminal_id", CharField())))


class Migration(migrations.Migration):
    dependencies = [("terminals", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="idempotentcall",
            name="scope",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(scope_terminal_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="idempotentcall", name="uniq_terminal_idempotency_key"),
        migrations.AlterField(
            model_name="idempotentcall",
            name="terminal",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="terminals.terminal",
            ),
        ),
        migrations.AddConstraint(
            model_name="idempotentcall",
            constraint=models.UniqueConstraint(fields=("scope", "key"), name="uniq_idempotency_scope_key"),
        ),
    ]
