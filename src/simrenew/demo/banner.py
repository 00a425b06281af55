"""Printed by `make demo` (scripts/run-demo.sh): where everything is and how to log in."""

import os

from simrenew.demo.catalogue import DEMO_ADMIN, DEMO_CUSTOMER, DEMO_LINE

# run-demo.sh sets SITE_URL from the host and port the server binds to.
BASE = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

print(
    f"""
simrenew demo — starting on {BASE}
  portal (pick a language)   {BASE}/  ->  {BASE}/zh-hans/  {BASE}/en/  {BASE}/nl/  {BASE}/fr/  {BASE}/de/
  My account                 {BASE}/en/account/
  dev outbox (e-mail, SMS)   {BASE}/en/dev/outbox/
  payment sandbox            {BASE}/sandbox/mollie/
  back office (admin)        {BASE}/en/admin/
  API docs                   {BASE}/api/docs
  promotions report          {BASE}/en/backoffice/  (admin login)
demo clock: make time pass to see reminders, expiry and auto-renew (the scheduler runs beside the server)
  .venv/bin/simrenew demo_clock advance 7d      (and: demo_clock show | reset)
demo logins
  customer  {DEMO_CUSTOMER[0]} / {DEMO_CUSTOMER[1]}  (line {DEMO_LINE} linked)
  admin     {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}
  any other demo line for linking or gift top-ups: e.g. 0485 00 00 02, 0495 00 00 03
stop with Ctrl-C
"""
)
