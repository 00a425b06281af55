"""Back office: promotions with their redemptions and cost (promotions.view_promotion); activate, pause
or end them (promotions.manage_promotion). Creating and editing is in the admin (/admin/promotions/promotion/)."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from simrenew.kit.dbrouter import reads_from_replica
from simrenew.kit.errors import DomainError
from simrenew.promotions import queries, service
from simrenew.promotions.models import Promotion, PromotionStatus
from simrenew.staff.permissions import MANAGE_PROMOTION, VIEW_PROMOTION
from simrenew.web.staff.access import staff_view


@staff_view(VIEW_PROMOTION)
@reads_from_replica  # a report: redemptions and cost, may be a second behind
def promotions(request: HttpRequest) -> HttpResponse:
    reports = queries.report(list(Promotion.objects.select_related("brand").order_by("-starts_at", "code")))
    totals = {
        "redeemed": sum(row.redeemed for row in reports),
        "cost": sum(row.cost_amount for row in reports),
    }
    return render(request, "backoffice/promotions.html", {"reports": reports, "totals": totals})


@staff_view(VIEW_PROMOTION)
@reads_from_replica
def promotion_detail(request: HttpRequest, promotion_id: int) -> HttpResponse:
    promotion = Promotion.objects.select_related("brand").filter(pk=promotion_id).first()
    if promotion is None:
        raise Http404()
    report = queries.report([promotion])[0]
    return render(
        request,
        "backoffice/promotion_detail.html",
        {"report": report, "promotion": promotion, "redemptions": queries.redemptions_of(promotion)},
    )


@staff_view(MANAGE_PROMOTION)
@require_POST
def promotion_status(request: HttpRequest, promotion_id: int) -> HttpResponse:
    promotion = Promotion.objects.filter(pk=promotion_id).first()
    status = request.POST.get("status", "")
    if promotion is None or status not in {PromotionStatus.ACTIVE, PromotionStatus.PAUSED, PromotionStatus.ENDED}:
        raise Http404()
    try:
        with transaction.atomic():
            service.set_status(promotion=Promotion.objects.select_for_update().get(pk=promotion.pk), status=status)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(code)s is now %(status)s.") % {"code": promotion.code, "status": PromotionStatus(status).label},
        )
    return redirect("backoffice:promotion", promotion_id=promotion.pk)
