"""Probable duplicates and the merges made of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from clients.models import Client


class DuplicatePair(models.Model):
    """Two records that probably describe the same person, and what was decided.

    `client_a` has the lower id, so each pair exists once. A "not the same person"
    decision stays: the pair is never proposed again.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("to review")
        MERGED = "merged", _("merged")
        NOT_SAME = "not_same", _("not the same person")

    class Source(models.TextChoices):
        REPORT = "report", _("duplicate report")
        INTAKE = "intake", _("registered despite a probable match")

    client_a = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    client_b = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    source = models.CharField(_("found by"), max_length=16, choices=Source.choices)
    # Why a caseworker registered a new record despite this match (intake), and that
    # caseworker's agency: free text of that agency (policy.may_read_pair_note).
    note = models.CharField(_("reason given"), max_length=500, blank=True)
    note_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("probable duplicate")
        verbose_name_plural = _("probable duplicates")
        indexes = [models.Index(fields=["status", "-score"], name="duplicate_pair_queue_idx")]
        constraints = [
            models.UniqueConstraint(fields=["client_a", "client_b"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=Q(client_a__lt=models.F("client_b")), name="duplicate_pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1), name="duplicate_pair_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_a_id} / {self.client_b_id}"

    @property
    def is_cross_agency(self) -> bool:
        """The two records were registered by different agencies."""
        return self.client_a.registered_by_id != self.client_b.registered_by_id


class ClientMerge(models.Model):
    """One merge of `merged` into `survivor`, with what it moved, so it can be undone."""

    survivor = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    pair = models.ForeignKey(
        DuplicatePair, on_delete=models.PROTECT, null=True, blank=True, related_name="merges"
    )
    # Survivor field values before the merge, and the ids of the rows moved over.
    survivor_before = models.JSONField(default=dict)
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.survivor_id}"


class MergeProposal(models.Model):
    """A merge of records two agencies registered: a supervisor of one proposes it (the
    surviving values per field), a supervisor of the other approves it, and only then it
    runs; or declines it. The record registered earlier survives."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved and merged")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")

    pair = models.ForeignKey(DuplicatePair, on_delete=models.PROTECT, related_name="proposals")
    survivor = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    # MERGE_FIELDS name -> "a" or "b": whose value the survivor keeps.
    choices = models.JSONField(default=dict)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by agency")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=300, blank=True)
    merge = models.OneToOneField(
        ClientMerge, on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )

    class Meta:
        verbose_name = _("merge proposal")
        verbose_name_plural = _("merge proposals")
        constraints = [
            # One open proposal per pair: the other agency answers one question at a time.
            models.UniqueConstraint(
                fields=["pair"],
                condition=Q(status="pending"),
                name="merge_proposal_one_pending_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(status="approved", merge__isnull=False)
                | ~Q(status="approved") & Q(merge__isnull=True),
                name="merge_proposal_merge_iff_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pair_id}: {self.status}"
