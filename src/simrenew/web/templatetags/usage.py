"""Template filters for usage: units the network counts (bytes, seconds, SMS) as people read them."""

from django import template

from simrenew.web.portal.usage_views import quantity

register = template.Library()


@register.filter
def usage_quantity(units: int | None, kind: str) -> str:
    """`12 MB`, `1,5 GB`, `4,5 min`, `3 SMS` (or Unlimited) in the active language."""
    return quantity(kind, units)
