"""The JSON API (Django Ninja); OpenAPI at /api/docs. Routers per audience."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from simrenew.api import kiosk, pos, public, sms
from simrenew.kit.errors import DomainError

api = NinjaAPI(title="simrenew API", version="1", urls_namespace="api")
api.add_router("/public/", public.router)
api.add_router("/pos/", pos.router)
api.add_router("/kiosk/", kiosk.router)
api.add_router("/sms/", sms.router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "detail": str(exc)}, status=exc.status)
