"""Runs of the client import, what became of each row, and the remarks an imported
record carries where a value could not be stored as it came."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from clients.models import Client, IdentityDocument


class ClientImport(models.Model):
    """One run of a CSV import (command or upload page) and its per-row outcome."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=255)
    # As detected: utf-8, cp1252 (Windows-1252) or utf-16.
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    # Every record created, those with remarks included.
    rows_imported = models.PositiveIntegerField(_("imported"), default=0)
    rows_with_remarks = models.PositiveIntegerField(_("imported with remarks"), default=0)
    rows_skipped = models.PositiveIntegerField(_("already imported"), default=0)
    # [{"row": 12, "errors": ["family_name: ..."]}, ...]: row numbers and reasons, no values;
    # the first ROW_ERRORS_KEPT rejected rows only (`rows_rejected` counts them all).
    row_errors = models.JSONField(_("rejected rows"), default=list)
    rows_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # Resuming (docs/operations.md, "Import: a run that stopped"): the same file (by its
    # SHA-256) uploaded again by the same agency continues an unfinished run after the
    # last row whose outcome that run committed. Rows count the header as row 1.
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    first_row = models.PositiveIntegerField(_("first row of this run"), default=2)
    last_row = models.PositiveIntegerField(_("last row committed"), default=0)
    # Progress of a run in the background (jobs.tasks.import_run): rows of the file read
    # so far, committed with each chunk; `stopped_at` when the run broke off with an error.
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    continued_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="continued_by",
        verbose_name=_("continues"),
    )

    ROW_ERRORS_KEPT = 1000  # a file of 100,000 bad rows must not make a run of 100,000

    class Meta:
        verbose_name = _("client import")
        verbose_name_plural = _("client imports")
        indexes = [models.Index(fields=["agency", "file_sha256"], name="clientimport_agency_file")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def in_progress(self) -> bool:
        """Waiting for a worker or running: neither finished nor stopped."""
        return self.finished_at is None and self.stopped_at is None

    @property
    def percent_done(self) -> int:
        if self.finished_at is not None or not self.rows_total:
            return 100 if self.finished_at is not None else 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def rows_imported_clean(self) -> int:
        """Imported as they came, without a remark."""
        return self.rows_imported - self.rows_with_remarks


class ClientImportFile(models.Model):
    """The uploaded file of a run, kept until the run has read it: a worker process
    (possibly on another machine) reads it from here. Personal data: deleted when the
    run finishes or stops (`services.client_import_execute`)."""

    run = models.OneToOneField(
        ClientImport, on_delete=models.CASCADE, primary_key=True, related_name="upload"
    )
    data = models.BinaryField()

    class Meta:
        verbose_name = _("uploaded import file")
        verbose_name_plural = _("uploaded import files")

    def __str__(self) -> str:
        return str(self.run_id)


class ImportRemark(models.Model):
    """A value of an imported row that the record could not take as it came (a phone
    number of no known format, an address outside Berlin, a document without issuing
    country ...). The field was left empty, or kept with a caveat, and the raw value is
    kept here, for the importing agency to correct the record or dismiss the remark.

    `value` is personal data: it is shown only on the record page, to the importing
    agency, in the sections it sees (`access.policy.import_remarks_visible_to`), and is
    erased when the remark is resolved. Logs, audit events and URLs name remarks by id.
    """

    class Reason(models.TextChoices):
        NAME_TRANSLITERATED = (
            "name_transliterated",
            _(
                "empty; taken from the name in original script, letter by letter: check it "
                "against the passport."
            ),
        )
        CHARACTERS_LOST = (
            "characters_lost",
            _(
                "contains question marks where the sending system lost letters: kept, "
                "check the spelling."
            ),
        )
        UNREADABLE = "unreadable", _("no letters in it: left empty.")
        TOO_LONG = "too_long", _("longer than the field allows: left empty.")
        BIRTH_DATE_INVALID = (
            "birth_date_invalid",
            _("not a valid birth date: left empty."),
        )
        BIRTH_DATE_TWO_DIGIT_YEAR = (
            "birth_date_two_digit_year",
            _("two-digit year (19.. or 20..?): left empty."),
        )
        BIRTH_DATE_AMBIGUOUS = (
            "birth_date_ambiguous",
            _("day and month could be either way round: left empty."),
        )
        BIRTH_DATE_APPROXIMATE = (
            "birth_date_approximate",
            _("approximate or placeholder date: left empty."),
        )
        SEX_UNKNOWN_CODE = "sex_unknown_code", _("code not understood: sex set to unknown.")
        NATIONALITY_UNKNOWN = (
            "nationality_unknown",
            _("not a country the portal recognises: left out."),
        )
        NATIONALITY_NONE = (
            "nationality_none",
            _("stateless or nationality unresolved: the record has no field for it."),
        )
        PHONE_INVALID = "phone_invalid", _("not a phone number of a known format: left empty.")
        EMAIL_INVALID = "email_invalid", _("not a valid e-mail address: left empty.")
        FURTHER_VALUES = (
            "further_values",
            _("further values in the field: only the first valid one was kept."),
        )
        ADDRESS_OUTSIDE_BERLIN = (
            "address_outside_berlin",
            _(
                "address outside Berlin (another federal state or abroad): the record holds "
                "Berlin addresses only, left empty."
            ),
        )
        POSTCODE_INVALID = (
            "postcode_invalid",
            _("not a Berlin postcode: left empty, the street was kept."),
        )
        DOCUMENT_INCOMPLETE = (
            "document_incomplete",
            _("a document needs both its type and its number: not stored."),
        )
        DOCUMENT_TYPE_UNKNOWN = "document_type_unknown", _("unknown document type: not stored.")
        DOCUMENT_NO_ISSUING_COUNTRY = (
            "document_no_issuing_country",
            _(
                "no issuing country (taken from the nationality column, which is empty or "
                "unknown): not stored."
            ),
        )
        DOCUMENT_NUMBER_INVALID = (
            "document_number_invalid",
            _("the number does not have the format of that document: not stored."),
        )

    class Resolution(models.TextChoices):
        CORRECTED = "corrected", _("corrected in the record")
        DISMISSED = "dismissed", _("dismissed")

    run = models.ForeignKey(ClientImport, on_delete=models.PROTECT, related_name="remarks")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="+", verbose_name=_("client")
    )
    # The importing agency: the only one that sees the remark.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=32)
    # The record's section the value belongs to (core.sections): who may see it.
    section = models.CharField(_("section"), max_length=32)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    value = models.TextField(_("value as imported"), blank=True)
    resolution = models.CharField(
        _("resolution"), max_length=16, choices=Resolution.choices, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("import remark")
        verbose_name_plural = _("import remarks")
        ordering = ["row", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True, resolution="")
                | models.Q(resolved_at__isnull=False) & ~models.Q(resolution=""),
                name="import_remark_resolution_iff_resolved",
            )
        ]

    def __str__(self) -> str:
        return _("Import remark %(id)s") % {"id": self.pk}

    @property
    def column_label(self) -> str:
        """What the column holds, in the words of the record page."""
        if self.column == "birth_date":
            return str(_("Date of birth"))
        if self.column.startswith("address_"):
            return str(_("Address"))
        if self.column.startswith("document_"):
            return str(IdentityDocument._meta.verbose_name)
        field = _COLUMN_FIELDS.get(self.column, self.column)
        try:
            return str(Client._meta.get_field(field).verbose_name)
        except FieldDoesNotExist:
            return self.column


# CSV column -> the Client field it fills, where the names differ.
_COLUMN_FIELDS = {"nationality": "nationalities"}
