"""The JSON API (Django Ninja); OpenAPI at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="simrenew API", version="1", urls_namespace="api")
