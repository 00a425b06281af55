"""Signed, expiring e-mail verification tokens (Django's password-reset token machinery)."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator

from simrenew.customers.models import User


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "simrenew.customers.email-verification"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        # Changes once the address is verified (or changed), so each link works once.
        return f"{user.pk}{user.email}{user.email_verified_at}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()
