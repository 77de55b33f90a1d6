"""The organisation: a tree of units, the people in it, and effective-dated assignments.

Units keep a materialised ``path`` of their ancestors' ids (``/1/4/17/``) so that a whole
subtree or every ancestor is one indexed query, whatever the depth and size of the tree.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from quotaflow.org.paths import path_ids


class UnitKind(models.TextChoices):
    """The level a unit stands for; informative only, the tree itself can be any depth."""

    COMPANY = "company"
    REGION = "region"
    AREA = "area"
    TEAM = "team"
    OTHER = "other"
    # Kept by the tracking side, under the company: credits of people who had no
    # placement on a sale's date roll up here, so company totals stay whole.
    UNPLACED = "unplaced", "Unplaced credit"


#: The kinds people may give a unit; the Unplaced unit is the tracking side's own.
ASSIGNABLE_KINDS: tuple[str, ...] = tuple(
    kind for kind in UnitKind.values if kind != UnitKind.UNPLACED
)


class Unit(models.Model):
    """A node of the organisation tree (company, region, area, team …)."""

    code = models.CharField(
        max_length=64, unique=True, help_text="Stable identifier used by imports."
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=UnitKind.choices, default=UnitKind.TEAM)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    territory = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=1000, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["path"]
        indexes: ClassVar = [models.Index(fields=["parent", "name"])]

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to (not including) this unit, read from ``path``."""
        return list(path_ids(self.path)[:-1])

    def clean(self) -> None:
        """Refuse a parent that is the unit itself or lies below it (a cycle)."""
        if self.parent_id is None or self.pk is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError({"parent": "A unit cannot be its own parent."})
        parent = Unit.objects.only("path").get(pk=self.parent_id)
        if f"/{self.pk}/" in parent.path:
            raise ValidationError(
                {"parent": f"{parent} is inside {self}; moving it there would make a cycle."}
            )


class Person(models.Model):
    """Someone who holds quota or manages people; optionally linked to a login."""

    external_id = models.CharField(
        max_length=64, unique=True, help_text="Employee id from HR or the CRM."
    )
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    title = models.CharField(max_length=120, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    hire_date = models.DateField(null=True, blank=True)
    termination_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["full_name"]
        verbose_name_plural = "people"
        indexes: ClassVar = [models.Index(fields=["full_name"])]

    def __str__(self) -> str:
        return self.full_name


class AssignmentRole(models.TextChoices):
    """How a person sits in a unit: managing it, or as one of its members."""

    MANAGER = "manager"
    MEMBER = "member"


class Assignment(models.Model):
    """Person → unit as manager or member, valid from ``valid_from`` to ``valid_to``
    inclusive (open-ended when ``valid_to`` is empty)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(
        max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.MEMBER
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["person", "valid_from"]
        indexes: ClassVar = [
            models.Index(fields=["unit", "valid_from"]),
            models.Index(fields=["person", "valid_from"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="assignment_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "…"
        return f"{self.person} → {self.unit} ({self.role}, {self.valid_from.isoformat()}–{end})"
