"""Django settings for simrenew; every deployment-specific value comes from the environment."""

import os
from pathlib import Path

import dj_database_url
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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks_db",
    "simrenew.brands",
    "simrenew.catalog",
    "simrenew.ledger",
    "simrenew.lines",
    "simrenew.customers",
    "simrenew.payments",
    "simrenew.notifications",
    "simrenew.orders",
    "simrenew.terminals",
    "simrenew.audit",
    "simrenew.identity",
    "simrenew.promotions",
    "simrenew.vouchers",
    "simrenew.retail",
    "simrenew.shops",
    "simrenew.kiosks",
    "simrenew.renewals",
    "simrenew.sandbox",
    "simrenew.web",
    "simrenew.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "simrenew.web.middleware.DomainErrorMiddleware",
]

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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
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

# --- Background jobs (django.tasks). Tests switch to the immediate backend where they need it.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

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
SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "outbox")
DEV_OUTBOX = env_bool("DEV_OUTBOX", EMAIL_URL.startswith("outbox:"))

# --- Payments
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "mollie")
MOLLIE_API_KEY = os.environ.get("MOLLIE_API_KEY", "test_simrenewdemo0000000000000000000")
# Empty means Mollie itself; the demo points the official client at the built-in sandbox.
MOLLIE_API_ENDPOINT = os.environ.get("MOLLIE_API_ENDPOINT", f"{SITE_URL}/sandbox/mollie")
PAYMENT_SANDBOX = env_bool("PAYMENT_SANDBOX", not PRODUCTION)
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "simrenew.kit.logredact.RedactFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

BRAND_NAME = _("simrenew")
