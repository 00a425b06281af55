#!/usr/bin/env bash
# The whole test suite on SQLite, then again on PostgreSQL. With CI=true PostgreSQL must be reachable.
set -uo pipefail
venv=${VENV:-.venv}
pg_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/simrenew}

pg_up() { "$venv/bin/python" - "$pg_url" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as exc:
    print(exc); sys.exit(1)
PY
}

status=0
echo "== tests on SQLite"
"$venv/bin/pytest" -q -p no:randomly "$@" || status=$?

if pg_up >/dev/null 2>&1; then
  echo "== tests on PostgreSQL"
  DATABASE_URL="$pg_url" "$venv/bin/pytest" -q "$@" || status=$?
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required in CI but not reachable at $pg_url"; status=1
else
  echo "== PostgreSQL tests SKIPPED: no server reachable at $pg_url (set TEST_DATABASE_URL, or start PostgreSQL)"
fi
exit $status
