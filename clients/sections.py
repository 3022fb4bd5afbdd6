"""The client record's sections: groups of fields that are shown, edited and (later)
granted to other agencies together. One place, so forms, templates and access agree."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    slug: str
    label: str | Promise
    fields: tuple[str, ...]


SECTIONS: dict[str, Section] = {
    section.slug: section
    for section in [
        Section(
            "identity",
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
    ]
}

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
