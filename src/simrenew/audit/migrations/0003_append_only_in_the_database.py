"""Audit entries, ledger journals and postings are append-only in the database itself.

On PostgreSQL, triggers refuse every UPDATE and DELETE of their rows, whoever sends it (a bug, a
management shell, a stray script); a correction is a new journal, never an edit. The one change
allowed is Django's ON DELETE SET NULL of an audit entry's `user` when that user is deleted: the entry
keeps its `actor` text. TRUNCATE (the test suite's flush) fires no row trigger. Ledger accounts are
not covered: a guarded account's cached balance is updated with each posting.

SQLite has no such triggers here; the models refuse the same changes (audit.models.AuditQuerySet,
the read-only admin in kit.admin).
"""

from django.db import migrations

# 23001 restrict_violation: Django raises IntegrityError, as for any refused write.
REFUSE = """
CREATE OR REPLACE FUNCTION simrenew_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'simrenew: % rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE OR REPLACE FUNCTION simrenew_refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.user_id IS NULL AND OLD.user_id IS NOT NULL
       AND to_jsonb(NEW) - 'user_id' = to_jsonb(OLD) - 'user_id' THEN
        RETURN NEW;  -- the user was deleted; the entry stays as it was
    END IF;
    RAISE EXCEPTION 'simrenew: % rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION simrenew_refuse_audit_change();
CREATE TRIGGER ledger_journal_append_only BEFORE UPDATE OR DELETE ON ledger_journal
    FOR EACH ROW EXECUTE FUNCTION simrenew_refuse_change();
CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION simrenew_refuse_change();
"""

ALLOW = """
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_journal_append_only ON ledger_journal;
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS simrenew_refuse_audit_change();
DROP FUNCTION IF EXISTS simrenew_refuse_change();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the PL/pgSQL bodies hold % signs

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_initial"),
        ("ledger", "0001_initial"),
    ]

    operations = [migrations.RunPython(on_postgresql(REFUSE), on_postgresql(ALLOW))]
