"""The one seam where a payment provider plugs in.

Payment is out of scope: the default provider activates a subscription at
once. A real provider (Stripe, Paddle, an invoice system) implements
``BillingProvider`` and is named in ``BILLING_PROVIDER``; it may answer
"pending" and activate later from its webhook through
``subscription_activate``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class BillingResult:
    active: bool
    reference: str = ""


class BillingProvider(Protocol):
    def subscription_begin(self, *, subscription) -> BillingResult: ...

    def subscription_change(self, *, subscription, plan) -> BillingResult: ...


class NoPaymentProvider:
    """Activates everything immediately: for schools, studios and demos."""

    def subscription_begin(self, *, subscription) -> BillingResult:
        return BillingResult(active=True, reference=f"free-{subscription.pk}")

    def subscription_change(self, *, subscription, plan) -> BillingResult:
        return BillingResult(active=True, reference=subscription.billing_reference)


def billing_provider() -> BillingProvider:
    return import_string(settings.BILLING_PROVIDER)()
