from django.db import migrations, models


def first_generation(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("reference", "Generation").objects.get_or_create(pk=1, defaults={"value": 0})


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="Generation",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(first_generation, migrations.RunPython.noop),
    ]
