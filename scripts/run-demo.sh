#!/usr/bin/env bash
# Run the demo: gunicorn (production web server), the background-job worker and the lifecycle scheduler
# (expiry, grace, auto-renew, reminders), under a small supervisor: a process that dies is started again
# after a short backoff (1 s, doubling up to 30 s, back to 1 s once it has stayed up a minute), and
# Ctrl-C or SIGTERM stops all of them, gunicorn's workers included. The demo clock is on: in another
# terminal, `DEMO_CLOCK=true .venv/bin/simrenew demo_clock advance 8d` moves time forward for all three.
#
# Usage: scripts/run-demo.sh [HOST] [PORT]   (make demo passes HOST and PORT)
set -uo pipefail # no -e: a process that exits is for the supervisor to handle, not a reason to stop
host=${1:-127.0.0.1}
port=${2:-8000}
venv=${VENV:-.venv}
# Every URL printed (banner, e-mails, payment returns) is on the address the server binds to, and the
# server answers to that name (simrenew.demo.address: 0.0.0.0 binds every address and accepts any name).
SITE_URL=$("$venv/bin/python" -m simrenew.demo.address url "$host" "$port") || exit 1
export SITE_URL
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-$("$venv/bin/python" -m simrenew.demo.address allowed-hosts "$host")}
export DEMO_CLOCK=${DEMO_CLOCK:-true}
# One clock in the terminal: Django logs in its TIME_ZONE (it sets TZ for its processes), so the
# supervisor's lines and gunicorn's own are written in the same zone.
export TZ=${TZ:-Europe/Brussels}
# Card at the shop counter and the kiosk goes through Mollie's point-of-sale payments with the official
# client, here against the payment sandbox: the sale waits for the card on the counter's or kiosk's
# terminal, and the sandbox's terminal screen page (/sandbox/mollie/terminals/) presents or refuses it.
export PAYMENT_TERMINAL=${PAYMENT_TERMINAL:-mollie}
# /metrics under gunicorn: every worker process writes its samples here, a scrape adds them up
# (simrenew.gunicorn_conf empties it when gunicorn starts).
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-${SIMRENEW_VAR:-var}/prometheus}

# The three processes. The worker is one line, to swap for another job runner.
worker_command=("$venv/bin/python" manage.py worker)
scheduler_command=("$venv/bin/python" manage.py scheduler)
# --reuse-port: a new master binds at once although the workers of a crashed one may still hold the
# port for a moment. --no-control-socket: gunicorn 27 would otherwise open one shared by every run.
web_command=("$venv/bin/gunicorn" simrenew.wsgi:application --config python:simrenew.gunicorn_conf
  --bind "${host}:${port}" --reuse-port --workers 3 --threads 4 --no-control-socket --graceful-timeout 5)
services=(web worker scheduler)

first_backoff=1 # seconds before restarting a process that died; doubles while it keeps dying
max_backoff=30
steady_after=60 # a process that stayed up this long starts again from the first backoff
stop_grace=10   # seconds for a clean stop before SIGKILL

declare -A pid=() backoff=() started=() due=()
groups=() # every process group started, so that nothing is left behind on exit
# The loop wakes every second, to start what has come due and because `wait -n` can miss a process
# that exits at the very moment it starts waiting (it then notices at the next wake).
timer=""

log() { printf '%(%H:%M:%S)T supervisor: %s\n' -1 "$*" >&2; }

run_web() { exec "${web_command[@]}"; }
run_worker() { exec "${worker_command[@]}"; }
run_scheduler() { exec "${scheduler_command[@]}"; }

start() {
  local name=$1
  # Job control on for the fork only: the process leads its own process group, so that stopping the
  # group stops its children too (gunicorn's workers), and Ctrl-C reaches the supervisor alone.
  set -m
  "run_$name" &
  pid[$name]=$!
  set +m
  groups+=("${pid[$name]}")
  started[$name]=$SECONDS
  unset "due[$name]"
  log "$name started (pid ${pid[$name]})"
}

describe() { # an exit status in words
  local status=$1
  if ((status > 128)); then
    echo "was killed by SIG$(kill -l $((status - 128)) 2>/dev/null || echo $((status - 128)))"
  else
    echo "exited with status $status"
  fi
}

died() {
  local name=$1 status=$2 up=$((SECONDS - started[$1]))
  ((up >= steady_after)) && backoff[$name]=$first_backoff
  # What the dead process leaves behind (a crashed gunicorn master's workers) is told to stop.
  kill -TERM -- "-${pid[$name]}" 2>/dev/null
  log "$name (pid ${pid[$name]}) $(describe "$status") after ${up} s; restarting it in ${backoff[$name]} s"
  unset "pid[$name]"
  due[$name]=$((SECONDS + backoff[$name]))
  backoff[$name]=$((backoff[$name] * 2 > max_backoff ? max_backoff : backoff[$name] * 2))
}

start_due() {
  local name
  for name in "${services[@]}"; do
    if [[ -z ${pid[$name]:-} ]] && ((${due[$name]:-0} <= SECONDS)); then start "$name"; fi
  done
}

stop_all() {
  # A child signalled between its fork and its exec still runs these traps: only the supervisor stops.
  [[ $BASHPID == "$$" ]] || return 0
  trap '' INT TERM # a second Ctrl-C must not cut the clean stop short
  [[ -n $timer ]] && kill "$timer" 2>/dev/null
  log "stopping all processes"
  local name deadline=$((SECONDS + stop_grace))
  for name in "${!pid[@]}"; do kill -TERM "${pid[$name]}" 2>/dev/null; done
  for name in "${!pid[@]}"; do
    while kill -0 "${pid[$name]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  done
  local group
  for group in "${groups[@]}"; do kill -KILL -- "-$group" 2>/dev/null; done
  wait 2>/dev/null
  log "stopped"
}

port_taken() { (exec 3<>"/dev/tcp/${host}/${port}") 2>/dev/null; }

# With --reuse-port a second server on the same port would share it silently instead of failing.
if port_taken; then
  log "something already answers on ${host}:${port}; stop it or choose another port"
  exit 1
fi
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP # the terminal closed

"$venv/bin/python" -m simrenew.demo.banner
for name in "${services[@]}"; do backoff[$name]=$first_backoff; done
while true; do
  start_due
  if [[ -z $timer ]]; then
    sleep 1 &
    timer=$!
  fi
  exited=""
  wait -n -p exited "${pid[@]}" "$timer"
  status=$?
  if [[ $exited == "$timer" ]]; then
    timer=""
    continue
  fi
  for name in "${!pid[@]}"; do
    if [[ ${pid[$name]} == "$exited" ]]; then died "$name" "$status"; fi
  done
done
