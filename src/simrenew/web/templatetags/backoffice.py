"""What the back office's pages ask of the login beyond `perms`: whether the Django admin lets it in."""

from typing import Any

from django import template
from django.contrib import admin

register = template.Library()


@register.simple_tag(takes_context=True)
def admin_opens(context: Any) -> bool:
    """Whether the admin lets this request's login in (staff.admin_site): links to it are shown only then."""
    request = context.get("request")
    return request is not None and admin.site.has_permission(request)
