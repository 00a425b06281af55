#!/usr/bin/env bash
# Run the demo: gunicorn (production web server) and the django.tasks worker, stopped together.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
export SITE_URL="http://${host}:${port}"
venv=${VENV:-.venv}
"$venv/bin/python" manage.py db_worker --no-reload --queue-name default &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
"$venv/bin/gunicorn" simrenew.wsgi:application --bind "${host}:${port}" --workers 3 --threads 4 \
  --no-control-socket --access-logfile - --graceful-timeout 5 &
web=$!
trap 'kill $worker $web 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
wait -n $worker $web
