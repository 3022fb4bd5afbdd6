"""Choice lists for the client record."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sex(models.TextChoices):
    FEMALE = "f", _("female")
    MALE = "m", _("male")
    DIVERSE = "x", _("diverse / other")
    UNKNOWN = "u", _("unknown")


class District(models.TextChoices):
    """Berlin's twelve districts (Bezirke)."""

    MITTE = "mitte", "Mitte"
    FRIEDRICHSHAIN_KREUZBERG = "friedrichshain-kreuzberg", "Friedrichshain-Kreuzberg"
    PANKOW = "pankow", "Pankow"
    CHARLOTTENBURG_WILMERSDORF = "charlottenburg-wilmersdorf", "Charlottenburg-Wilmersdorf"
    SPANDAU = "spandau", "Spandau"
    STEGLITZ_ZEHLENDORF = "steglitz-zehlendorf", "Steglitz-Zehlendorf"
    TEMPELHOF_SCHOENEBERG = "tempelhof-schoeneberg", "Tempelhof-Schöneberg"
    NEUKOELLN = "neukoelln", "Neukölln"
    TREPTOW_KOEPENICK = "treptow-koepenick", "Treptow-Köpenick"
    MARZAHN_HELLERSDORF = "marzahn-hellersdorf", "Marzahn-Hellersdorf"
    LICHTENBERG = "lichtenberg", "Lichtenberg"
    REINICKENDORF = "reinickendorf", "Reinickendorf"


class Accommodation(models.TextChoices):
    ARRIVAL_CENTRE = "arrival_centre", _("Arrival centre")
    LAF_SHELTER = "laf_shelter", _("LAF shelter (collective accommodation)")
    PRIVATE = "private", _("Private accommodation")
    HOSTEL = "hostel", _("Hostel")
    OWN_FLAT = "own_flat", _("Own flat")
    OTHER = "other", pgettext_lazy("accommodation", "Other")
    NONE = "none", _("No fixed abode")


class ResidenceStatus(models.TextChoices):
    TEMPORARY_PROTECTION = "temporary_protection", _("Temporary protection (§ 24 AufenthG)")
    FIKTIONSBESCHEINIGUNG = "fiktionsbescheinigung", _("Fiktionsbescheinigung (§ 81 AufenthG)")
    ASYLUM_PROCEDURE = "asylum_procedure", _("Asylum procedure (Aufenthaltsgestattung)")
    RECOGNISED = "recognised", _("Recognised: asylum, refugee or subsidiary protection")
    DEPORTATION_BAN = "deportation_ban", _("National ban on deportation (§ 60 (5)/(7) AufenthG)")
    TOLERATED = "tolerated", _("Toleration (Duldung)")
    OTHER_PERMIT = "other_permit", _("Other residence permit")
    VISA_FREE = "visa_free", _("Visa-free stay")
    UNKNOWN = "unknown", _("Not yet known")


class HouseholdRole(models.TextChoices):
    """Relation to the household's reference person, as German benefit forms ask it."""

    HEAD = "head", _("Reference person")
    SPOUSE_PARTNER = "spouse_partner", _("Spouse / partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative or household member")


class DocumentType(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    ID_CARD = "id_card", _("Identity card")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    ARRIVAL_CERTIFICATE = "arrival_certificate", _("Arrival certificate (Ankunftsnachweis)")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    OTHER = "other", _("Other document")


# Languages most often needed in Berlin's arrival work (ISO 639-1/-3 codes).
LANGUAGES = [
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
    ("ar", _("Arabic")),
    ("fa", _("Persian (Farsi)")),
    ("prs", _("Dari")),
    ("ps", _("Pashto")),
    ("ku", _("Kurdish")),
    ("tr", _("Turkish")),
    ("ti", _("Tigrinya")),
    ("so", _("Somali")),
    ("ro", _("Romanian")),
    ("pl", _("Polish")),
    ("de", _("German")),
    ("en", _("English")),
    ("fr", _("French")),
]
