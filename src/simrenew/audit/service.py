"""Writing the audit log. Every staff and terminal action worth answering for goes through `record`."""

from typing import Any

from django.http import HttpRequest

from simrenew.audit.models import AuditEntry
from simrenew.kit import clock, rows


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address as the web server saw it (the proxy sets REMOTE_ADDR in production)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    *,
    action: str,
    target: str = "",
    user: Any = None,
    terminal: str = "",
    ip_address: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit line. It is written in the caller's transaction: record refusals outside any
    transaction that will roll back (the terminal authentication does), so the line survives."""
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    actor = str(user) if authenticated else (f"terminal {terminal}" if terminal else "")
    # A sale writes one: inserted with a statement built once (kit.rows), not compiled per line.
    return rows.insert(
        AuditEntry(
            user=user if authenticated else None,
            terminal=terminal[:40],
            actor=actor[:160],
            action=action[:64],
            target=target[:96],
            ip_address=ip_address,
            details=details or {},
            created_at=clock.now(),
        )
    )
