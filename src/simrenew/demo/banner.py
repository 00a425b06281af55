"""Printed by `make demo` (scripts/run-demo.sh): where everything is and how to log in."""

import os

from simrenew.demo.address import DEFAULT_SITE_URL, kiosk_enrol_command
from simrenew.demo.catalogue import BRANDS, DEMO_ADMIN, DEMO_CUSTOMER, DEMO_LINE, DEMO_STAFF, EXAMPLE_LINES, demo_number
from simrenew.kit.phone import format_msisdn
from simrenew.staff import demo as demo_authenticator

# run-demo.sh sets SITE_URL from the host and port the server binds to (simrenew.demo.address).
BASE = os.environ.get("SITE_URL", DEFAULT_SITE_URL).rstrip("/")
BRAND_NAMES = {spec["code"]: spec["name"] for spec in BRANDS}
EXAMPLES = ", ".join(
    f"{format_msisdn(demo_number(code, index))} ({BRAND_NAMES[code]})" for code, index in EXAMPLE_LINES
)

STAFF = "\n".join(f"  staff     {email} / {password}  ({role})" for email, password, role, _name in DEMO_STAFF)

print(
    f"""
simrenew demo — starting on {BASE}
  portal (pick a language)   {BASE}/  ->  {BASE}/zh-hans/  {BASE}/en/  {BASE}/nl/  {BASE}/fr/  {BASE}/de/
  My account                 {BASE}/en/account/
  dev outbox (e-mail, SMS)   {BASE}/en/dev/outbox/
  payment sandbox            {BASE}/sandbox/mollie/
  card terminals (sandbox)   {BASE}/sandbox/mollie/terminals/  (counter and kiosk card payments wait here)
  back office (admin)        {BASE}/en/admin/
  kiosk (enrol a screen)     {kiosk_enrol_command(BASE)} bru-airport  (prints the URL to open)
  API docs                   {BASE}/api/docs
  back office                {BASE}/en/backoffice/  (staff logins below)
demo clock: make time pass to see reminders, expiry and auto-renew (the scheduler runs beside the server)
  DEMO_CLOCK=true .venv/bin/simrenew demo_clock advance 7d      (and: demo_clock show | reset)
the network: use data, calls and SMS on demo lines, and watch allowances fall in My account
  .venv/bin/simrenew network simulate                 (20 sessions; --duration 120 or --sessions N)
demo logins
  customer  {DEMO_CUSTOMER[0]} / {DEMO_CUSTOMER[1]}  (line {format_msisdn(DEMO_LINE)} linked)
  admin     {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}  (administrator)
{STAFF}
  shop desk and POS logins are printed above (demo_offline, demo_retail)
  any other demo line for linking or gift top-ups: e.g. {EXAMPLES}
staff second factor: after the password, administrator, customer service, marketing, finance and shop
  manager logins enter a code. Every demo login has the same authenticator key, for any authenticator app:
    {demo_authenticator.key_base32()}
  or, without a phone:  .venv/bin/simrenew demo_codes   (prints the current code)
stop with Ctrl-C
"""
)
