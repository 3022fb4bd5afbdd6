"""The shared client record: one person, captured once, reused by every office."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from clients.choices import (
    LANGUAGES,
    Accommodation,
    District,
    DocumentType,
    HouseholdRole,
    ResidenceStatus,
    Sex,
)
from clients.reference import reference_code_display, reference_code_new
from clients.validators import (
    normalize_identifier,
    validate_azr_number,
    validate_berlin_postcode,
    validate_document_number,
)
from core.dates import PartialDate
from core.identity.names import fold_accents
from core.sections import section_permissions
from core.text import TextChecksModelMixin, validate_name_text, validate_plain_text


class Household(models.Model):
    """People who live and are supported together; members point here from Client."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return _("Household %(id)s") % {"id": self.pk}


class Client(TextChecksModelMixin, models.Model):
    """A person registered with the portal. Field groups follow the AZR core data set."""

    # Names refuse invisible direction and zero-width characters (display spoofing).
    text_checks = {
        **dict.fromkeys(
            (
                "family_name",
                "given_names",
                "birth_name",
                "former_names",
                "family_name_original",
                "given_names_original",
                "place_of_birth",
            ),
            validate_name_text,
        ),
        **dict.fromkeys(("street", "sensitive_notes", "external_ref"), validate_plain_text),
    }

    # Identity (Grundpersonalien, weitere Personalien)
    family_name = models.CharField(_("family name(s)"), max_length=150)
    given_names = models.CharField(_("given names"), max_length=150, blank=True)
    birth_name = models.CharField(_("birth name"), max_length=150, blank=True)
    former_names = models.CharField(
        _("former names and other spellings"), max_length=300, blank=True
    )
    family_name_original = models.CharField(
        _("family name in original script"), max_length=150, blank=True
    )
    given_names_original = models.CharField(
        _("given names in original script"), max_length=150, blank=True
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    # A birth date keeps its precision: day and month may be unknown (00.00.1985).
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(_("month of birth"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("day of birth"), null=True, blank=True)
    place_of_birth = models.CharField(_("place of birth"), max_length=150, blank=True)
    country_of_birth = CountryField(_("country of birth"), blank=True)
    # In the order given: the first nationality is the one on the main document.
    nationalities = CountryField(_("nationalities"), multiple=True, multiple_sort=False, blank=True)
    azr_number = models.CharField(
        _("AZR number"), max_length=12, blank=True, validators=[validate_azr_number]
    )

    # Contact, languages and address in Berlin
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(
        _("postcode"), max_length=5, blank=True, validators=[validate_berlin_postcode]
    )
    district = models.CharField(_("district"), max_length=32, choices=District.choices, blank=True)
    accommodation = models.CharField(
        _("accommodation"), max_length=32, choices=Accommodation.choices, blank=True
    )

    # Arrival and residence
    arrival_date = models.DateField(_("date of arrival in Germany"), null=True, blank=True)
    residence_status = models.CharField(
        _("residence status"),
        max_length=32,
        choices=ResidenceStatus.choices,
        default=ResidenceStatus.UNKNOWN,
    )

    # Sensitive notes: only for agencies granted this section explicitly.
    special_protection_needs = models.BooleanField(
        _("special protection needs"),
        default=False,
        help_text=_("E.g. unaccompanied minor, pregnant, disabled, survivor of violence."),
    )
    sensitive_notes = models.TextField(
        _("notes on health, vulnerability and protection needs"), blank=True
    )

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    household_role = models.CharField(
        _("role in household"), max_length=32, choices=HouseholdRole.choices, blank=True
    )

    reference_code = models.CharField(
        _("reference code"),
        max_length=11,
        unique=True,
        default=reference_code_new,
        editable=False,
    )
    registered_by = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="registered_clients",
        verbose_name=_("registered by"),
    )
    # The sending system's id of an imported record; an import skips refs it already has.
    external_ref = models.CharField(_("reference in the sending system"), max_length=64, blank=True)
    # Set when a supervisor merged this record into another; it then only redirects there.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("merged into"),
    )
    # The one-time token of the intake form that created the record: a second POST of the
    # same form (double click, resend, two tabs) finds this record instead of a new one.
    intake_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # Folded names for case- and accent-insensitive search; set by clients.services.
    search_name = models.CharField(max_length=1200, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["search_name", "updated_at", "intake_token"])

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["family_name", "given_names", "pk"]
        permissions = section_permissions()
        indexes = [
            models.Index(fields=["family_name", "given_names"], name="client_name_idx"),
            models.Index(
                fields=["birth_year", "birth_month", "birth_day"], name="client_birth_idx"
            ),
            models.Index(fields=["azr_number"], name="client_azr_idx"),
            models.Index(fields=["phone"], name="client_phone_idx"),
            # The start page's "registered today" (an agency's newest records): without
            # it, PostgreSQL reads all of the agency's records (170 ms at 100,000).
            models.Index(fields=["registered_by", "-created_at"], name="client_agency_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True) | Q(birth_month__gte=1, birth_month__lte=12),
                name="client_birth_month_range",
            ),
            models.CheckConstraint(
                condition=Q(birth_day__isnull=True) | Q(birth_day__gte=1, birth_day__lte=31),
                name="client_birth_day_range",
            ),
            # Precision is nested: a day needs a month, a month needs a year.
            models.CheckConstraint(
                condition=Q(birth_day__isnull=True) | Q(birth_month__isnull=False),
                name="client_birth_day_needs_month",
            ),
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True) | Q(birth_year__isnull=False),
                name="client_birth_month_needs_year",
            ),
            models.CheckConstraint(
                condition=Q(household__isnull=True, household_role="")
                | Q(household__isnull=False) & ~Q(household_role=""),
                name="client_household_role_iff_household",
            ),
            models.UniqueConstraint(
                fields=["registered_by", "external_ref"],
                condition=~Q(external_ref=""),
                name="client_external_ref_unique_per_agency",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="client_not_merged_into_itself"
            ),
            # Concurrent POSTs of one intake form: the database lets exactly one insert.
            models.UniqueConstraint(fields=["intake_token"], name="client_intake_token_unique"),
        ]

    def __str__(self) -> str:
        return _("Client %(id)s") % {"id": self.pk}

    @property
    def display_name(self) -> str:
        """As German offices write it: FAMILY NAME, Given names."""
        if self.given_names:
            return f"{self.family_name.upper()}, {self.given_names}"
        return self.family_name.upper()

    @property
    def birth_date(self) -> PartialDate:
        return PartialDate(self.birth_year, self.birth_month, self.birth_day)

    @birth_date.setter
    def birth_date(self, value: PartialDate) -> None:
        self.birth_year, self.birth_month, self.birth_day = value.year, value.month, value.day

    @property
    def version(self) -> str:
        """Changes whenever the record is saved; forms carry it to spot concurrent edits."""
        return self.updated_at.isoformat() if self.updated_at else ""

    @property
    def reference_code_display(self) -> str:
        return reference_code_display(self.reference_code)

    def get_languages_display(self) -> str:
        names = dict(LANGUAGES)
        return ", ".join(str(names.get(code, code)) for code in self.languages)

    def refresh_search_name(self) -> None:
        self.search_name = fold_accents(
            " ".join(
                [
                    self.family_name,
                    self.given_names,
                    self.birth_name,
                    self.former_names,
                    self.family_name_original,
                    self.given_names_original,
                ]
            )
        )

    def clean(self) -> None:
        # Every rule is asked, not only up to the first broken one: a change is judged by
        # the rules over the columns it writes (clients.history.save_tracked), so a fault
        # elsewhere must not hide one in what is written now.
        super().clean()
        errors: dict[str, ValidationError | str] = {}
        try:
            PartialDate.from_parts(self.birth_year, self.birth_month, self.birth_day)
        except ValidationError as error:
            errors["birth_date"] = error
        today = timezone.localdate()
        if self.arrival_date and not (dt.date(1950, 1, 1) <= self.arrival_date <= today):
            errors["arrival_date"] = _("The date of arrival must lie between 1950 and today.")
        known = {code for code, _label in LANGUAGES}
        if not isinstance(self.languages, list) or not set(self.languages) <= known:
            errors["languages"] = _("Choose languages from the list.")
        if bool(self.household_id) != bool(self.household_role):
            errors["household_role"] = _("A household member needs a role in the household.")
        if errors:
            raise ValidationError(errors)


class IdentityDocument(models.Model):
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="documents", verbose_name=_("client")
    )
    doc_type = models.CharField(_("document type"), max_length=32, choices=DocumentType.choices)
    number = models.CharField(_("document number"), max_length=30)
    issuing_country = CountryField(_("issuing country"))
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        ordering = ["doc_type", "pk"]
        indexes = [models.Index(fields=["number"], name="document_number_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True)
                | Q(expires_on__isnull=True)
                | Q(issued_on__lt=models.F("expires_on")),
                name="document_issued_before_expiry",
            ),
            models.UniqueConstraint(
                fields=["client", "doc_type", "issuing_country", "number"],
                name="document_unique_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} ({self.issuing_country.code})"

    def clean(self) -> None:
        # Every rule is asked, as in Client.clean().
        super().clean()
        errors: dict[str, ValidationError | str] = {}
        self.number = normalize_identifier(self.number)
        if self.number and self.doc_type and self.issuing_country:
            try:
                validate_document_number(self.number, self.doc_type, self.issuing_country.code)
            except ValidationError as error:
                errors["number"] = error
        if self.issued_on and self.issued_on > timezone.localdate():
            errors["issued_on"] = _("The issue date must not lie in the future.")
        if self.issued_on and self.expires_on and self.issued_on >= self.expires_on:
            errors["expires_on"] = _("The expiry date must be after the issue date.")
        if errors:
            raise ValidationError(errors)

    # The fields a caseworker edits; a document's version is their stored values.
    EDITED_FIELDS = ("doc_type", "number", "issuing_country", "issued_on", "expires_on")

    @property
    def version(self) -> str:
        """Changes whenever an edited field changes; forms carry it to spot concurrent
        edits. Derived from the values (documents keep no change time), so it is exactly
        "the document is still as you saw it"."""
        values = "\x1f".join(str(getattr(self, name) or "") for name in self.EDITED_FIELDS)
        return hashlib.sha256(values.encode()).hexdigest()[:16]

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()


class CaseNote(TextChecksModelMixin, models.Model):
    """A dated note by one agency's staff; notes are added, never edited."""

    text_checks = {"text": validate_plain_text}

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="case_notes", verbose_name=_("client")
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    author = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    text = models.TextField(_("note"), max_length=5000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return _("Case note %(id)s") % {"id": self.pk}


class ClientMatchKey(models.Model):
    """Blocking keys of a record (core.identity): two records that may be the same
    person share a key, so candidate generation is an index lookup, not a scan.
    Derived data, rewritten by clients.services.match_keys_refresh on every change."""

    # The unique (client, key) constraint's index serves lookups by client.
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="match_keys", db_index=False
    )
    key = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["key", "client"], name="client_match_key_idx")]
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="client_match_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.key}"


class ChangeEntry(models.Model):
    """One change to a record, for the change feed agency systems sync from
    (`access.feed`): ids, section names and versions only, never values.

    Append-only, written in the transaction of the change (`clients.changes`): by
    `clients.history.save_tracked` for the record and its documents, by
    `access.rows.access_rebuild` when an agency gains or loses sections, by
    `access.feed.grant_expiries_record` (nightly) for sections lost at an end date.
    The id is the feed's cursor; `clients.changes.feed_horizon` makes sure no entry
    below an id served can still appear.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")
        MERGED = "merged", _("merged into another record")
        GRANT_STARTED = "grant_started", _("access granted")
        GRANT_ENDED = "grant_ended", _("access ended")

    # Plain ids (no foreign key constraint): a log outlives what it names, and writing
    # it must not lock the rows it points to.
    client = models.ForeignKey(
        Client, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    # Set on grant entries only: the agency whose access changed. Record changes reach
    # every agency that sees the record at the time the feed is read.
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sections = models.JSONField(default=list)
    # The record's version (Client.version) after the change.
    version = models.CharField(max_length=40, blank=True)
    merged_into_id = models.BigIntegerField(null=True, blank=True)
    # Makes a write that may be repeated (the nightly expiry entries) idempotent.
    dedupe_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # A small agency's feed starts from its records: their entries after the cursor.
            models.Index(fields=["client", "id"], name="change_client_idx"),
            models.Index(
                fields=["agency", "id"],
                condition=Q(agency__isnull=False),
                name="change_agency_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.kind} {self.client_id}"
