"""The staff role groups with their permissions (staff.roles), created once at migrate.

Later changes to staff.roles reach the database through the post-migrate hook and
`simrenew sync_roles`; this migration only makes sure the groups exist from the start.
"""

from django.db import migrations


def create_roles(apps, schema_editor):
    from simrenew.staff.service import sync_roles

    sync_roles(apps=apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Every app whose permissions a role names.
        ("audit", "0002_initial"),
        ("brands", "0001_initial"),
        ("catalog", "0001_initial"),
        ("customers", "0001_initial"),
        ("jobs", "0001_initial"),
        ("kiosks", "0001_initial"),
        ("ledger", "0001_initial"),
        ("lines", "0001_initial"),
        ("notifications", "0002_interrupted_sends_are_retried"),
        ("orders", "0002_order_confirmation_due_index"),
        ("payments", "0002_payment_next_check"),
        ("promotions", "0001_initial"),
        ("renewals", "0001_initial"),
        ("retail", "0001_initial"),
        ("shops", "0001_initial"),
        ("vouchers", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
