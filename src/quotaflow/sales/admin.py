"""Admin views of sales data. Transactions and activities arrive through imports and the
API (idempotent by external id, audited), so here they are read-only: correct them at the
source and send them again."""

from __future__ import annotations

from django.contrib import admin

from quotaflow.core.admin_mixins import ReadOnlyMixin
from quotaflow.sales.models import Activity, ExchangeRate, Transaction, TransactionCredit


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Lists and detail pages without add, change or delete."""


class CreditInline(ReadOnlyMixin, admin.TabularInline):
    """Who is credited with a transaction, and how much of it."""

    model = TransactionCredit
    fields = ("person", "percent")
    readonly_fields = fields
    extra = 0


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    """Booked sales, credit notes and cancellations (amounts in minor units)."""

    list_display = (
        "date",
        "source",
        "external_id",
        "amount_minor",
        "currency",
        "company_amount_minor",
        "exchange_rate",
        "product_group",
        "account",
    )
    list_filter = ("source", "is_cancelled", "deal_type", "currency", "product_group")
    search_fields = ("external_id", "account", "product", "product_group")
    date_hierarchy = "date"
    inlines = (CreditInline,)
    show_full_result_count = False  # counting millions of rows on every page is slow


@admin.register(TransactionCredit)
class TransactionCreditAdmin(ReadOnlyAdmin):
    """Credit shares, searchable by person or transaction."""

    list_display = ("transaction", "person", "percent")
    search_fields = ("transaction__external_id", "person__full_name", "person__external_id")
    raw_id_fields = ("transaction", "person")
    list_select_related = ("transaction", "person")
    show_full_result_count = False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    """Calls, meetings, demos … done by people."""

    list_display = ("date", "activity_type", "person", "quantity", "source", "external_id")
    list_filter = ("activity_type", "source")
    search_fields = ("external_id", "person__full_name", "account")
    raw_id_fields = ("person",)
    date_hierarchy = "date"
    list_select_related = ("person",)
    show_full_result_count = False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    """Exchange rates into the company currency; they arrive through rate files and the
    API, which convert and re-credit the sales they apply to."""

    list_display = ("currency", "valid_from", "rate", "source", "updated_at")
    list_filter = ("currency",)
