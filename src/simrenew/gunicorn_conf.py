"""gunicorn's configuration: `gunicorn --config python:simrenew.gunicorn_conf simrenew.wsgi:application`.

gunicorn's own log lines (its access log and its error log) go through simrenew's logging: the same
handler, formatter (JSON lines with LOG_FORMAT=json, the production default) and redaction as
Django's (settings.LOGGING). An access line has the client address, the method, the path without its
query string, the status, the size and the duration, and the request's id (the X-Request-ID the
response carries, set by simrenew.web.middleware.RequestIdMiddleware); never the query string, the
referrer or other headers, which carry receipt codes, phone numbers and tokens.
"""

import copy
import logging
import os
from collections.abc import Mapping
from typing import Any

from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simrenew.settings")

# %(U)s is the path alone; %(r)s (the request line), %(q)s and %(f)s (the referrer) would bring
# the query string back.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


class AccessFields(logging.Filter):
    """Makes fields of an access line's parts, for JSON lines: request_id, method, path, status, ms."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args if isinstance(record.args, Mapping) else None
        if atoms is None:
            return True
        # gunicorn's atoms answer "-" for anything missing when indexed (not with .get).
        record.request_id = atoms["{x-request-id}o"]
        record.http_method = atoms["m"]
        record.path = atoms["U"]
        record.status = _number(atoms["s"])
        record.duration_ms = _number(atoms["M"])
        return True


def _number(value: object) -> object:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _logconfig() -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(settings.LOGGING)
    config["filters"]["access_fields"] = {"()": "simrenew.gunicorn_conf.AccessFields"}
    gunicorn_loggers = {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {
            "level": "INFO",
            "handlers": ["console"],
            "filters": ["access_fields"],
            "propagate": False,
        },
    }
    config["loggers"] = {**config.get("loggers", {}), **gunicorn_loggers}
    return config


logconfig_dict = _logconfig()


# Prometheus: each worker process writes its samples to files in PROMETHEUS_MULTIPROC_DIR, which a
# scrape (answered by any worker) adds up. The directory must be empty when gunicorn starts, and a
# worker that exits marks its gauges dead. run-demo.sh and the cluster give each gunicorn its own.
def on_starting(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.unlink(os.path.join(directory, name))


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def when_ready(server: Any) -> None:
    """With --reuse-port each worker binds the address itself, so gunicorn's own "Listening at:" line
    names no address: say where it listens."""
    if server.cfg.reuse_port and not server.LISTENERS:
        server.log.info("Listening at: %s (each worker binds it: --reuse-port)", ", ".join(server.cfg.bind))
