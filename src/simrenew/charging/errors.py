"""Refusals of the charging API, each with its HTTP status and, for the Nchf answers, the 3GPP cause."""

from django.utils.translation import gettext_lazy as _

from simrenew.kit.errors import DomainError


class ChargingProblem(DomainError):
    """A refusal told as application/problem+json with a 3GPP `cause`."""

    cause = "CHARGING_FAILED"


class UserUnknown(ChargingProblem):
    status = 404
    code = "user_unknown"
    cause = "USER_UNKNOWN"
    default_message = _("This subscriber is not a line of ours.")


class ServiceDenied(ChargingProblem):
    status = 403
    code = "end_user_request_denied"
    cause = "END_USER_REQUEST_DENIED"
    default_message = _("This line may not use services now (it is not active).")


class SessionNotFound(ChargingProblem):
    status = 404
    code = "charging_data_not_found"
    cause = "CHARGING_DATA_NOT_FOUND"
    default_message = _("There is no open charging session with this reference (it ended or expired).")


class SequenceOutOfOrder(ChargingProblem):
    status = 409
    code = "sequence_out_of_order"
    cause = "INVOCATION_SEQUENCE_NUMBER_OUT_OF_ORDER"
    default_message = _("The invocation sequence number %(got)s is out of order: %(expected)s was expected.")


class SequenceReused(ChargingProblem):
    status = 409
    code = "sequence_reused"
    cause = "INVOCATION_SEQUENCE_NUMBER_REUSED"
    default_message = _("This invocation sequence number was already used for a different request.")


class CreateReused(ChargingProblem):
    status = 409
    code = "idempotency_key_reused"
    cause = "CHARGING_FAILED"
    default_message = _("This Idempotency-Key was already used for a different request.")


class BadChargingRequest(ChargingProblem):
    status = 400
    code = "bad_request"
    cause = "INVALID_REQUEST"
    default_message = _("The request is not valid.")


class NetworkAuthRefused(DomainError):
    status = 401
    code = "network_auth_refused"
    default_message = _("The request is not signed by a known network client.")
