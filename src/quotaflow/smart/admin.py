"""SMART policies in the admin, for planners who prefer it to the API."""

from django.contrib import admin

from quotaflow.smart.models import SmartPolicy


@admin.register(SmartPolicy)
class SmartPolicyAdmin(admin.ModelAdmin[SmartPolicy]):
    """Band, thresholds and approval rule per cycle (or the default without a cycle)."""

    list_display = ("__str__", "cycle", "band_low", "band_high", "block_approval_on_fail")
