"""The client record's sections: the data categories that are shown, edited and granted
to other agencies together. One place, so forms, templates, history and access agree.

Identity is part of every grant: nobody can work on a record without knowing whose it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    slug: str
    label: str | Promise
    # Client fields edited through this section's form (empty: edited on own screens).
    fields: tuple[str, ...] = ()
    # Further Client model fields whose history belongs to this section.
    history_fields: tuple[str, ...] = ()

    @property
    def view_perm(self) -> str:
        return f"view_{self.slug}"


IDENTITY = "identity"
# The registering agency's one permission row: the whole record, every section.
WHOLE_RECORD_PERM = "view_client"

SECTIONS: dict[str, Section] = {
    section.slug: section
    for section in [
        Section(
            IDENTITY,
            _("Identity"),
            (
                "family_name",
                "given_names",
                "birth_name",
                "former_names",
                "family_name_original",
                "given_names_original",
                "sex",
                "birth_date",
                "place_of_birth",
                "country_of_birth",
                "nationalities",
                "azr_number",
            ),
            history_fields=("birth_year", "birth_month", "birth_day"),
        ),
        Section(
            "contact",
            _("Contact, languages and address"),
            (
                "languages",
                "interpreter_needed",
                "phone",
                "email",
                "street",
                "postcode",
                "district",
                "accommodation",
            ),
        ),
        Section("residence", _("Arrival and residence"), ("arrival_date", "residence_status")),
        Section("documents", _("Identity documents")),
        Section("household", _("Household"), history_fields=("household", "household_role")),
        Section("case_notes", _("Case notes")),
        Section(
            "sensitive",
            _("Sensitive notes (health, vulnerability, protection needs)"),
            ("special_protection_needs", "sensitive_notes"),
        ),
    ]
}

# Sections with a form of their own on the client page.
FORM_SECTIONS = tuple(slug for slug, section in SECTIONS.items() if section.fields)


def section_labels(slugs: list[str]) -> str:
    """Labels of known sections, comma-separated, in the order given."""
    return ", ".join(str(SECTIONS[slug].label) for slug in slugs if slug in SECTIONS)


def section_list(slugs) -> list[str]:
    """Known sections in their canonical order."""
    wanted = set(slugs)
    return [slug for slug in SECTIONS if slug in wanted]


def section_of_field(field_name: str) -> str | None:
    for section in SECTIONS.values():
        if field_name in section.fields or field_name in section.history_fields:
            return section.slug
    return None


def section_permissions() -> list[tuple[str, str]]:
    """Object permissions on Client, one per section (for Client.Meta.permissions)."""
    return [(s.view_perm, f"Can view section {s.slug}") for s in SECTIONS.values()]


# What a new household member usually shares with the person they join.
HOUSEHOLD_SHARED_FIELDS = (
    "family_name",
    "nationalities",
    "languages",
    "street",
    "postcode",
    "district",
    "accommodation",
    "arrival_date",
    "residence_status",
)

# Match reasons that state a fact of a section other than identity ("same document
# number"): shown only to readers who may see that section of the records compared.
REASON_SECTIONS = {
    "same_document": "documents",
    "document_different": "documents",
    "postcode_same": "contact",
    "postcode_different": "contact",
}


def reasons_visible(codes: list[str], sections: frozenset[str] | set[str]) -> list[str]:
    return [code for code in codes if REASON_SECTIONS.get(code, IDENTITY) in sections]
