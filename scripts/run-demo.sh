#!/usr/bin/env bash
# Run the demo: gunicorn (production web server), the django.tasks worker and the lifecycle scheduler
# (expiry, grace, auto-renew, reminders), stopped together. The demo clock is on: in another terminal,
# `DEMO_CLOCK=true .venv/bin/simrenew demo_clock advance 8d` moves time forward for all three.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
export SITE_URL="http://${host}:${port}"
export DEMO_CLOCK=${DEMO_CLOCK:-true}
venv=${VENV:-.venv}
"$venv/bin/python" manage.py db_worker --no-reload --queue-name default &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
"$venv/bin/python" manage.py scheduler &
scheduler=$!
trap 'kill $worker $scheduler 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
"$venv/bin/gunicorn" simrenew.wsgi:application --bind "${host}:${port}" --workers 3 --threads 4 \
  --no-control-socket --access-logfile - --graceful-timeout 5 &
web=$!
trap 'kill $worker $scheduler $web 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
wait -n $worker $scheduler $web
