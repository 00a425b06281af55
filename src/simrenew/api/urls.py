"""The JSON API (Django Ninja); OpenAPI at /api/docs. Routers per audience."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError

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


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja's own refusals (e.g. a body that is not JSON) in the same {"code", "detail"} shape.
    code = "bad_request" if exc.status_code == 400 else "http_error"
    return api.create_response(request, {"code": code, "detail": str(exc)}, status=exc.status_code)
