"""Django settings for simrenew; every deployment-specific value comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("SIMRENEW_HOME", BASE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("SIMRENEW_VAR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# PRODUCTION turns on every secure cookie/header setting; the demo runs with it off on plain HTTP.
PRODUCTION = env_bool("PRODUCTION", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set in production")
    SECRET_KEY = "dev-only-insecure-key-change-me-" + "x" * 32

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "simrenew.staff.library_apps.StaffAdminConfig",  # django.contrib.admin, on staff.admin_site's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simrenew.staff.library_apps.SignInAttemptsConfig",  # axes, named for staff
    "django_otp",
    "simrenew.staff.library_apps.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp, named for staff
    "simrenew.staff.library_apps.RecoveryCodesConfig",  # django_otp.plugins.otp_static, named for staff
    "simrenew.jobs",
    "simrenew.ops",
    "simrenew.throttles",
    "simrenew.reference",
    "simrenew.brands",
    "simrenew.catalog",
    "simrenew.ledger",
    "simrenew.lines",
    "simrenew.customers",
    "simrenew.payments",
    "simrenew.notifications",
    "simrenew.orders",
    "simrenew.payouts",
    "simrenew.terminals",
    "simrenew.audit",
    "simrenew.staff",
    "simrenew.identity",
    "simrenew.promotions",
    "simrenew.vouchers",
    "simrenew.retail",
    "simrenew.shops",
    "simrenew.kiosks",
    "simrenew.renewals",
    "simrenew.charging",
    "simrenew.support",
    "simrenew.finance",
    "simrenew.sandbox",
    "simrenew.web",
    "simrenew.demo",
    # Only for its self-hosted Swagger UI files: without it /api/docs loads them from a CDN.
    "ninja",
]

# Every middleware, and whether the network's charging API has it too. That API (signed JSON from the
# network's charging function, one request per decision on a call or a data session) goes through a
# chain of its own (simrenew.handlers, for the paths under MACHINE_API_PREFIXES), without what serves
# a browser: sessions, the visitor's language, static files, slashes, CSRF, logins and their second
# factor, messages, framing and content-security headers. That is a fifth of a decision's CPU
# (docs/performance.md).
_ALL, _BROWSER = True, False
_MIDDLEWARE = [
    # First, so that every log line of the request carries its id.
    ("simrenew.web.middleware.RequestIdMiddleware", _ALL),
    # Times the whole request (simrenew_http_request_duration_seconds on /metrics).
    ("simrenew.web.ops.middleware.RequestMetricsMiddleware", _ALL),
    ("django.middleware.security.SecurityMiddleware", _ALL),
    ("django.middleware.csp.ContentSecurityPolicyMiddleware", _BROWSER),
    ("whitenoise.middleware.WhiteNoiseMiddleware", _BROWSER),
    ("simrenew.reference.middleware.ReferenceDataMiddleware", _ALL),
    ("django.contrib.sessions.middleware.SessionMiddleware", _BROWSER),
    ("django.middleware.locale.LocaleMiddleware", _BROWSER),
    # A NUL in the path, query, cookies, headers or a form: 400 in the visitor's language, not a 500.
    ("simrenew.web.input_guard.UnreadableInputMiddleware", _ALL),
    ("django.middleware.common.CommonMiddleware", _BROWSER),
    ("django.middleware.csrf.CsrfViewMiddleware", _BROWSER),
    ("django.contrib.auth.middleware.AuthenticationMiddleware", _BROWSER),
    # request.user.is_verified(): the second factor; staff areas ask for it (simrenew.staff.queries).
    ("django_otp.middleware.OTPMiddleware", _BROWSER),
    ("simrenew.web.staff.middleware.SecondFactorMiddleware", _BROWSER),
    ("django.contrib.messages.middleware.MessageMiddleware", _BROWSER),
    ("django.middleware.clickjacking.XFrameOptionsMiddleware", _BROWSER),
    ("axes.middleware.AxesMiddleware", _BROWSER),
    ("simrenew.web.middleware.DomainErrorMiddleware", _ALL),
    ("simrenew.terminals.auth.RecordPendingNonce", _ALL),
]
MIDDLEWARE = [path for path, _ in _MIDDLEWARE]
MACHINE_API_MIDDLEWARE = [path for path, machines_too in _MIDDLEWARE if machines_too]
MACHINE_API_PREFIXES = ("/api/nchf-convergedcharging/",)

ROOT_URLCONF = "simrenew.urls"
WSGI_APPLICATION = "simrenew.wsgi.application"
AUTH_USER_MODEL = "customers.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "simrenew.web.context.site",
            ],
        },
    },
]

# --- Database: SQLite (WAL) by default, anything dj-database-url understands through DATABASE_URL.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'simrenew.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Web workers and the task worker write at once: take the write lock up front and wait for it.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-simrenew.sqlite3")}
# A streaming replica for read-only pages (reports, exports, settlement history): simrenew.kit.dbrouter
# sends their reads there while it is at most REPLICA_MAX_LAG_SECONDS behind, else to the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": 2}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["simrenew.kit.dbrouter.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5"))
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "2"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "simrenew.kit.passwords.Argon2idHasher",  # Argon2id at OWASP's minimum: see the module
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:account"
LOGOUT_REDIRECT_URL = "portal:home"

# django-axes: five failed logins per account and address, then a 15-minute wait.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login form posts the e-mail address as `username` (axes would look for USERNAME_FIELD, "email",
# find nothing and lock by address alone, letting the right password through a lockout).
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password"]

# Staff second factor (django-otp): the name authenticator apps show beside the code, and the admin
# never shows a device's secret (it was shown once, at enrolment).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "simrenew")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Languages
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
    ("nl", "Nederlands"),
    ("fr", "Français"),
    ("de", "Deutsch"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Brussels"
LANGUAGE_COOKIE_NAME = "simrenew_language"

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Background jobs (django.tasks) on simrenew's own database queue (simrenew.jobs): transient
# failures are retried with exponential backoff and jitter, a job whose worker died is reclaimed
# after its lease, and jobs out of attempts wait in the back office's dead-letter list.
# Tests switch to the immediate backend where they need it.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "simrenew.jobs.backend.DatabaseBackend"),
        "QUEUES": ["default"],
        "OPTIONS": {
            "MAX_ATTEMPTS": int(os.environ.get("JOBS_MAX_ATTEMPTS", "8")),
            "RETRY_BASE_SECONDS": float(os.environ.get("JOBS_RETRY_BASE_SECONDS", "5")),
            "RETRY_MAX_SECONDS": float(os.environ.get("JOBS_RETRY_MAX_SECONDS", "3600")),
            "LEASE_SECONDS": float(os.environ.get("JOBS_LEASE_SECONDS", "60")),
        },
    }
}

# A scheduled job's lease (renewed while it runs): how long a job whose scheduler died waits.
SCHEDULER_LEASE_SECONDS = float(os.environ.get("SCHEDULER_LEASE_SECONDS", "90"))

# --- E-mail: the dev outbox stores messages in the database and shows them at /dev/outbox/.
EMAIL_URL = os.environ.get("EMAIL_URL", "outbox://")


def mailer_from_url(url: str) -> dict[str, object]:
    """`outbox://`, `smtp://user:pass@host:587?tls=1`, `smtp+tls://…` or `smtps://…:465` → a MAILERS entry."""
    if url.startswith("outbox:"):
        return {"BACKEND": "simrenew.notifications.outbox.OutboxEmailBackend"}
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps", "smtp+tls"}:
        raise RuntimeError(f"EMAIL_URL: unsupported scheme {parts.scheme!r}")
    params = parse_qs(parts.query)
    use_ssl = parts.scheme == "smtps"
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if use_ssl else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": use_ssl,
            "use_tls": parts.scheme == "smtp+tls" or params.get("tls", ["0"])[0] in {"1", "true"},
            "timeout": 15,
        },
    }


MAILERS = {"default": mailer_from_url(EMAIL_URL)}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "simrenew <no-reply@simrenew.example>")
# Every e-mail carries a Message-ID derived from our own key, so a resend after an interrupted send
# is recognisably the same message; its domain (default: DEFAULT_FROM_EMAIL's).
EMAIL_MESSAGE_ID_DOMAIN = os.environ.get("EMAIL_MESSAGE_ID_DOMAIN", "")
# A notification still "sending" after this was interrupted, and is sent again.
NOTIFICATION_STUCK_AFTER_SECONDS = int(os.environ.get("NOTIFICATION_STUCK_AFTER_SECONDS", "300"))
SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "outbox")
DEV_OUTBOX = env_bool("DEV_OUTBOX", EMAIL_URL.startswith("outbox:"))

# --- Payments
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "mollie")
# Production has no default key (simrenew.checks refuses a missing or `test_` key there).
MOLLIE_API_KEY = os.environ.get("MOLLIE_API_KEY", "" if PRODUCTION else "test_simrenewdemo0000000000000000000")
# Empty means Mollie itself (the production default); the demo points the official client at the sandbox.
MOLLIE_API_ENDPOINT = os.environ.get("MOLLIE_API_ENDPOINT", "" if PRODUCTION else f"{SITE_URL}/sandbox/mollie")
# Mollie serves settlements and balance transactions (the daily reconciliation, simrenew.finance) only to
# an organization access token; without one the API key is used (enough for the sandbox).
MOLLIE_ACCESS_TOKEN = os.environ.get("MOLLIE_ACCESS_TOKEN", "")
PAYMENT_SANDBOX = env_bool("PAYMENT_SANDBOX", not PRODUCTION)
# A payment is left to its webhook this long before the scheduler's reconcile asks the provider
# itself; also the shortest gap between two checks of a payment that stays open.
PAYMENT_RECONCILE_AFTER_SECONDS = int(os.environ.get("PAYMENT_RECONCILE_AFTER_SECONDS", "120"))
# Where the provider posts webhooks and sends customers back; defaults to SITE_URL.
PUBLIC_URL = os.environ.get("PUBLIC_URL", SITE_URL).rstrip("/")
BANK_TRANSFER_IBAN = os.environ.get("BANK_TRANSFER_IBAN", "BE71 0961 2345 6769")
BANK_TRANSFER_BIC = os.environ.get("BANK_TRANSFER_BIC", "GKCCBEBB")

# --- Security
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (Django's own middleware): scripts and <style> blocks only from our origin or
# with the request's nonce (`nonce="{{ csp_nonce }}"`); no inline handlers, no eval (htmx runs with
# allowEval off). Style *attributes* stay allowed on purpose: pages set brand colours as CSS variables
# (`style="--brand: #1f3a93"`, 7-character values staff enter) and e-mails shown in the dev outbox are
# styled inline; an attribute cannot run script. Forms post to us, and a payment form is redirected to
# the provider's checkout (Chromium checks form-action on that redirect): CSP_FORM_ACTION lists both.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": env_list("CSP_FORM_ACTION", "'self',https://www.mollie.com"),
}

# Logs: JSON lines in production (LOG_FORMAT=json, the default there), plain text otherwise. Every line
# carries the request's id (X-Request-ID) and goes through the redaction filter (phone numbers, e-mail
# addresses, tokens, codes, query strings). gunicorn's own logs use the same handlers: simrenew.gunicorn_conf.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise RuntimeError(f"LOG_FORMAT: {LOG_FORMAT!r} is neither 'json' nor 'plain'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "simrenew.kit.requestid.RequestIdFilter"},
        "redact": {"()": "simrenew.kit.logredact.RedactFilter"},
    },
    "formatters": {
        "plain": {
            "()": "simrenew.kit.logredact.RedactingFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {
            "()": "simrenew.kit.logredact.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id", "redact"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

BRAND_NAME = _("simrenew")

# --- Retail and vouchers
# Terminal (POS, kiosk, SMS gateway) HMAC secrets are stored encrypted (Fernet). The first key
# encrypts; every key listed decrypts, so a new key can be put first and the secrets re-sealed
# (`simrenew terminals reseal`) before the old key is dropped. The default derives one from SECRET_KEY.
TERMINAL_SECRET_KEYS = env_list("TERMINAL_SECRET_KEYS")
# A signed request whose X-Timestamp is further than this from our clock is refused as stale.
TERMINAL_MAX_SKEW_SECONDS = int(os.environ.get("TERMINAL_MAX_SKEW_SECONDS", "300"))
# A POS sale may be voided this long after it was made, and only while unused.
RETAIL_VOID_WINDOW_MINUTES = int(os.environ.get("RETAIL_VOID_WINDOW_MINUTES", "10"))
# E-voucher PINs: digits (13-15, the last a Luhn check digit), validity, and the guessing throttle.
VOUCHER_PIN_DIGITS = int(os.environ.get("VOUCHER_PIN_DIGITS", "15"))
VOUCHER_VALIDITY_DAYS = int(os.environ.get("VOUCHER_VALIDITY_DAYS", "365"))
# Wrong voucher PINs allowed per window to one guesser: an account, a kiosk visit, a phone (MAX_FAILURES);
# a kiosk or a network address, shared by several people (MAX_FAILURES_SHARED). Never per line topped up.
VOUCHER_MAX_FAILURES = int(os.environ.get("VOUCHER_MAX_FAILURES", "5"))
VOUCHER_MAX_FAILURES_SHARED = int(os.environ.get("VOUCHER_MAX_FAILURES_SHARED", "20"))
VOUCHER_FAILURE_WINDOW_MINUTES = int(os.environ.get("VOUCHER_FAILURE_WINDOW_MINUTES", "15"))

# --- Shops and kiosks
# Field-level encryption of personal data at rest (identity document numbers): Fernet keys, newest
# first (comma-separated). Rotate: put the new key first, run `simrenew rotate_encryption_keys`,
# then remove the old key. Make a key: python -c 'from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())'.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
# Keys the lookup hashes of encrypted values (never rotated with the encryption keys).
FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", "")
if not FIELD_ENCRYPTION_KEYS or not FIELD_HASH_KEY:
    if PRODUCTION:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY must be set in production")
    import base64
    import hashlib

    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [
        base64.urlsafe_b64encode(hashlib.sha256(f"field-encryption:{SECRET_KEY}".encode()).digest()).decode()
    ]
    FIELD_HASH_KEY = FIELD_HASH_KEY or f"field-hash:{SECRET_KEY}"
# Card terminals at the shop counter and in kiosks: "mollie" (Mollie point-of-sale terminals, listed
# with `manage.py sync_card_terminals` and assigned to shops and kiosks in the back office; the
# built-in sandbox serves them too), "sandbox" (the tester picks approve/decline in the sale form) or
# empty for none (card at the counter is then unavailable).
PAYMENT_TERMINAL = os.environ.get("PAYMENT_TERMINAL", "sandbox" if PAYMENT_SANDBOX else "")
# How long a counter or kiosk waits for the card on a Mollie terminal before cancelling the payment.
TERMINAL_PAYMENT_TIMEOUT_SECONDS = int(os.environ.get("TERMINAL_PAYMENT_TIMEOUT_SECONDS", "120"))
# Kiosk cash acceptors: "sandbox" shows "insert €5 note" buttons on the kiosk page; "essp" takes cash
# from a note validator driven by `simrenew cashbox run` beside each kiosk (docs/cash-acceptor.md);
# empty for none (kiosks with their own UI report inserted cash through the kiosk API).
CASH_ACCEPTOR = os.environ.get("CASH_ACCEPTOR", "sandbox" if PAYMENT_SANDBOX else "")
# A kiosk goes back to its start screen after this many seconds without a touch.
KIOSK_IDLE_SECONDS = int(os.environ.get("KIOSK_IDLE_SECONDS", "60"))
# The most cash one kiosk visit takes (it gives no change, so it stops taking notes past this).
KIOSK_MAX_CASH_AMOUNT = int(os.environ.get("KIOSK_MAX_CASH_AMOUNT", "15000"))
# A kiosk screen is enrolled with a one-time code from the back office, valid this many minutes.
KIOSK_ENROLMENT_CODE_MINUTES = int(os.environ.get("KIOSK_ENROLMENT_CODE_MINUTES", "15"))
# The enrolled screen's cookie lasts this long (browsers cap cookies at 400 days); it is renewed
# while the screen is in use, so only a screen left off this long needs enrolling again.
KIOSK_DEVICE_COOKIE_DAYS = int(os.environ.get("KIOSK_DEVICE_COOKIE_DAYS", "400"))
# Balance-check codes sent by SMS from kiosks: one per number per COOLDOWN, at most PER_NUMBER_PER_DAY a
# number; per kiosk and hour at most PER_VISIT to one customer's visit, PER_DEVICE to one screen (or a
# kiosk with its own UI), PER_KIOSK in all: one person cannot use up a kiosk's codes for everyone.
KIOSK_BALANCE_SMS_COOLDOWN_SECONDS = int(os.environ.get("KIOSK_BALANCE_SMS_COOLDOWN_SECONDS", "120"))
KIOSK_BALANCE_SMS_PER_NUMBER_PER_DAY = int(os.environ.get("KIOSK_BALANCE_SMS_PER_NUMBER_PER_DAY", "5"))
KIOSK_BALANCE_SMS_PER_VISIT = int(os.environ.get("KIOSK_BALANCE_SMS_PER_VISIT", "3"))
KIOSK_BALANCE_SMS_PER_DEVICE = int(os.environ.get("KIOSK_BALANCE_SMS_PER_DEVICE", "30"))
KIOSK_BALANCE_SMS_PER_KIOSK = int(os.environ.get("KIOSK_BALANCE_SMS_PER_KIOSK", "120"))
# The short number customers text `TOPUP <PIN>` to (printed on PIN receipts); its gateway posts to /api/sms/inbound.
VOUCHER_SMS_NUMBER = os.environ.get("VOUCHER_SMS_NUMBER", "1914")

# --- Lifecycle, notifications and promotions
# The demo clock (`simrenew demo_clock advance 8d`) moves time for every process through a file under
# VAR_DIR; it is on only where DEMO_CLOCK=true (scripts/run-demo.sh) and never in production.
DEMO_CLOCK = env_bool("DEMO_CLOCK", False)  # with PRODUCTION, simrenew.checks refuses to start
DEMO_CLOCK_FILE = os.environ.get("DEMO_CLOCK_FILE", str(VAR_DIR / "demo-clock.json"))
# Auto-renew: renew this long before a period ends (no gap), retry a failed charge this many days
# after the first failure, and still renew a period that ended this long ago (after downtime).
AUTO_RENEW_LEAD_MINUTES = int(os.environ.get("AUTO_RENEW_LEAD_MINUTES", "60"))
AUTO_RENEW_RETRY_DAYS = [int(d) for d in env_list("AUTO_RENEW_RETRY_DAYS", "1,3")]
AUTO_RENEW_CATCH_UP_DAYS = int(os.environ.get("AUTO_RENEW_CATCH_UP_DAYS", "7"))
# The scheduler's jobs do this many items (lines, periods, notices) per transaction: one commit for
# many, line locks held for a moment only (renewals.jobs).
LIFECYCLE_BATCH_SIZE = int(os.environ.get("LIFECYCLE_BATCH_SIZE", "100"))
# Notices: credit validity reminders (days before), the low-credit threshold (cents), and the night
# (Brussels time, from-to hours) during which SMS are held until morning.
CREDIT_VALIDITY_REMINDER_DAYS = os.environ.get("CREDIT_VALIDITY_REMINDER_DAYS", "30,7")
LOW_CREDIT_AMOUNT = int(os.environ.get("LOW_CREDIT_AMOUNT", "300"))
SMS_QUIET_HOURS = (21, 8)
# Sender shown on SMS (SMPP source address: up to 11 letters, or a number).
SMS_SENDER = os.environ.get("SMS_SENDER", "simrenew")

# --- Privacy and retention (customers.retention, run hourly by the scheduler; docs/operations.md)
# Dev-outbox messages (captured e-mails and SMS, with their addresses) are deleted after this many days.
DEV_OUTBOX_RETENTION_DAYS = int(os.environ.get("DEV_OUTBOX_RETENTION_DAYS", "14"))
# Terminals' stored idempotent answers are kept this long: a POS or kiosk retries within minutes or
# after an outage, never a month later (used nonces go after twice TERMINAL_MAX_SKEW_SECONDS).
IDEMPOTENCY_RETENTION_DAYS = int(os.environ.get("IDEMPOTENCY_RETENTION_DAYS", "30"))
# Background jobs that succeeded are deleted this long after they finished (failed ones stay for staff).
JOBS_RETENTION_DAYS = int(os.environ.get("JOBS_RETENTION_DAYS", "7"))

# Operations: /metrics needs `Authorization: Bearer $METRICS_TOKEN` (production refuses to start
# without one; the demo answers this machine only). Scheduler leadership: see simrenew.renewals.leader.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
LEADER_LEASE_SECONDS = float(os.environ.get("LEADER_LEASE_SECONDS", "10"))
LEADER_RENEW_SECONDS = float(os.environ.get("LEADER_RENEW_SECONDS", "2"))
