"""Provider webhooks: store in the inbox, answer at once, let a job fetch the real status."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def mollie_webhook(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=200)
