"""One cell of another system's export, read as it really arrives (docs/operations.md,
"Import: what is accepted"): placeholders for "nothing", dates in five notations, phone
numbers in national formats, two numbers in one field, addresses outside Berlin.
Nationalities: `workflows.imports.nationalities`.

Each reader returns what the record can take and, where something could not be taken
as it came, `Remark`s carrying the raw value. No database, no model instances: one row
costs microseconds (the import reads 20,000 rows in about a second).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from phonenumber_field.phonenumber import PhoneNumber

from clients.choices import DocumentType, Sex
from clients.validators import (
    normalize_identifier,
    validate_berlin_postcode,
    validate_document_number,
)
from core.dates import PartialDate
from core.identity.names import fold_accents
from workflows.imports.models import ImportRemark

Reason = ImportRemark.Reason

# A raw value longer than this is kept shortened in a remark: it is not a value any more.
REMARK_VALUE_MAX = 500


@dataclass(frozen=True)
class Remark:
    column: str
    reason: str  # ImportRemark.Reason
    value: str  # raw, personal data: stored on the remark, never logged


# --- Cells -------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
# What legacy exports write for "nothing": SQL NULL, dashes, "not stated".
PLACEHOLDERS = frozenset(
    {"-", "--", "---", "?", "??", "???", ".", "/", "null", "\\n", "none", "n/a", "n.a.", "na",
     "k.a.", "k. a.", "ka", "keine angabe", "unbekannt", "unknown", "nicht bekannt", "o.a.",
     "ohne angabe", "keine", "kein", "x", "xx", "xxx", "nn", "n.n.", "n. n."}
)  # fmt: skip
# In a name column fewer: Na, No and Ka are family names too, and question marks are
# letters an encoder lost (a remark).
NAME_PLACEHOLDERS = frozenset(
    {"-", "--", "---", ".", "null", "\\n", "none", "n/a", "n.a.", "k.a.", "keine angabe",
     "unbekannt", "unknown", "nicht bekannt", "xxx", "nn", "n.n.", "n. n."}
)  # fmt: skip
_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@])")


def cell(text: str) -> str:
    """Spaces collapsed (also non-breaking ones), control characters removed, and the
    apostrophe a spreadsheet puts before a leading + or = taken off."""
    if not text:
        return ""
    if not text.isprintable():
        text = "".join(
            " " if char.isspace() else char
            for char in text
            if char.isspace() or unicodedata.category(char)[0] != "C"
        )
    return _FORMULA_GUARD.sub("", _SPACES.sub(" ", text).strip())


def is_placeholder(text: str) -> bool:
    return text.casefold() in PLACEHOLDERS


def has_letter(text: str) -> bool:
    return any(char.isalpha() for char in text)


def letters_lost(text: str) -> bool:
    """Only question marks (and spaces, hyphens): every letter was lost in a conversion
    to a character set without them (Олена in Windows-1252 is ?????). Nothing is left
    to keep: such a value counts as empty."""
    return "?" in text and not text.strip("?-' ")


# --- Names ---------------------------------------------------------------------------------


def name(column: str, raw: str, *, max_length: int) -> tuple[str, list[Remark]]:
    """An optional name: too long or unreadable -> empty with a remark; some letters
    lost in a conversion (an encoder writes ? for letters it cannot represent: Şahin ->
    ?ahin) -> kept, with a remark; all of them lost (?????) -> empty."""
    if not raw or raw.casefold() in NAME_PLACEHOLDERS or letters_lost(raw):
        return "", []
    if len(raw) > max_length:
        return "", [Remark(column, Reason.TOO_LONG, raw)]
    if not has_letter(raw):
        return "", [Remark(column, Reason.UNREADABLE, raw)]
    if "?" in raw:
        return raw, [Remark(column, Reason.CHARACTERS_LOST, raw)]
    return raw, []


# --- Birth dates -------------------------------------------------------------------------

_TIME = re.compile(r"^(\S+)[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?$")  # 1985-7-3, 1985/07/03
_DMY_DASH = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")  # 03-07-1985 (day first)
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")  # 03/07/1985: which way round?
_TWO_DIGIT_YEAR = re.compile(r"^(?:\d{1,2}[./-]){0,2}\d{2}$")  # 3.7.85, 07/85, 85
_APPROXIMATE = re.compile(r"^(?:ca\.?|circa|etwa|approx\.?|~|vor|before|um)\s*\d", re.IGNORECASE)
_UNKNOWN_DATES = frozenset({"00.00.0000", "0000-00-00", "0000", "0", "00", "00000000"})
_PLACEHOLDER_DATES = frozenset({(1900, 1, 1), (1800, 1, 1), (1899, 12, 31), (9999, 12, 31)})


def birth_date(raw: str) -> tuple[PartialDate, list[Remark]]:
    """The precision given is kept; a date that cannot be read for sure is left empty
    with a remark (a birth date is optional: many records have none)."""
    text = raw
    if not text or is_placeholder(text) or text in _UNKNOWN_DATES:
        return PartialDate(), []
    if match := _TIME.match(text):  # database exports: 1985-07-03 00:00:00
        text = match.group(1)
    if _APPROXIMATE.match(text):
        return PartialDate(), [Remark("birth_date", Reason.BIRTH_DATE_APPROXIMATE, raw)]
    if _TWO_DIGIT_YEAR.match(text):
        return PartialDate(), [Remark("birth_date", Reason.BIRTH_DATE_TWO_DIGIT_YEAR, raw)]
    if match := _YMD.match(text):
        year, month, day = match.groups()
        text = f"{int(day or 0):02d}.{int(month):02d}.{year}"
    elif match := _DMY_DASH.match(text):
        text = f"{int(match.group(1)):02d}.{int(match.group(2)):02d}.{match.group(3)}"
    elif match := _SLASHED.match(text):
        first, second, year = (int(g) for g in match.groups())
        if first != second and first <= 12 and second <= 12:
            return PartialDate(), [Remark("birth_date", Reason.BIRTH_DATE_AMBIGUOUS, raw)]
        day, month = (second, first) if second > 12 else (first, second)
        text = f"{day:02d}.{month:02d}.{year}"
    try:
        parsed = PartialDate.parse(text)
    except ValidationError:
        return PartialDate(), [Remark("birth_date", Reason.BIRTH_DATE_INVALID, raw)]
    if (parsed.year, parsed.month, parsed.day) in _PLACEHOLDER_DATES:
        return PartialDate(), [Remark("birth_date", Reason.BIRTH_DATE_APPROXIMATE, raw)]
    return parsed, []


# --- Sex -------------------------------------------------------------------------------------

_SEX = {
    **dict.fromkeys(["f", "w", "weiblich", "weibl.", "weibl", "female", "frau", "fem"], Sex.FEMALE),
    **dict.fromkeys(["m", "männlich", "maennlich", "männl.", "männl", "male", "mann"], Sex.MALE),
    **dict.fromkeys(["x", "d", "divers", "diverse", "other", "andere", "anderes"], Sex.DIVERSE),
    **dict.fromkeys(["u", "o", "unbestimmt", "ohne", "unspecified"], Sex.UNKNOWN),
}


def sex(raw: str) -> tuple[str, list[Remark]]:
    """Letters and words in German and English. Numeric codes are left unknown with a
    remark: ISO 5218 has 1 for male, some German systems 1 for female."""
    if not raw or is_placeholder(raw):
        return Sex.UNKNOWN, []
    code = _SEX.get(raw.casefold())
    if code is None:
        return Sex.UNKNOWN, [Remark("sex", Reason.SEX_UNKNOWN_CODE, raw)]
    return code, []


# --- Phone numbers -------------------------------------------------------------------------

# Between two numbers in one field: ; , | a new line, a slash between spaces, "oder".
_PHONE_SPLIT = re.compile(r"\s*(?:[;,|\n]|\s/\s|\s(?:oder|or|und|and|u\.)\s)\s*", re.IGNORECASE)
# Labels around a number; any other word (a name: "0151 ... Mutter") makes it a remark.
_PHONE_LABEL = re.compile(
    r"\(?\b(?:tel(?:efon)?|phone|mobil(?:e|funk)?|handy|privat|priv|dienstl(?:ich)?|"
    r"whatsapp|viber|telegram|nr|no)\b\.?\)?\s*:?",
    re.IGNORECASE,
)
_TRUNK_ZERO = re.compile(r"^(\+\d{2,3})\s*\(0\)")  # +49 (0)30 ...
# Ukrainian mobile operators, written nationally as 0 67 123 45 67 (10 digits).
_UA_MOBILE = re.compile(r"^0(39|50|63|66|67|68|73|91|92|93|94|95|96|97|98|99)\d{7}$")


@dataclass(frozen=True)
class Phone:
    number: PhoneNumber | None = None  # valid, as the record's field holds it
    remarks: tuple[Remark, ...] = ()

    @property
    def e164(self) -> str:
        return "" if self.number is None else self.number.as_e164


def _phone_number(text: str, nationality: str) -> PhoneNumber | None:
    """E.164 of one number, or None. National numbers are German unless they have the
    shape of a Ukrainian mobile number and the person is Ukrainian."""
    text = _TRUNK_ZERO.sub(r"\1", _PHONE_LABEL.sub(" ", text).strip())
    if has_letter(text):
        return None
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+") and digits[:3] == "380" and len(digits) == 12:
        digits = "+" + digits  # +380 written without the plus
    if digits.startswith("+"):
        regions = [None]
    elif _UA_MOBILE.match(digits) and nationality == "UA":
        regions = ["UA"]
    else:
        regions = ["DE"]
    for region in regions:
        number = PhoneNumber()
        try:
            phonenumbers.parse(digits, region, numobj=number)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None


def phone(raw: str, *, nationality: str = "") -> Phone:
    """The first valid number of the field; further numbers, and a field with no valid
    number, become remarks."""
    if not raw or is_placeholder(raw):
        return Phone()
    parts = [part for part in _PHONE_SPLIT.split(raw) if part]
    if len(parts) == 1 and "/" in raw and _phone_number(raw, nationality) is None:
        parts = [part for part in raw.split("/") if part.strip()]  # 0151 123/030 456
    if len(parts) == 1:
        number = _phone_number(parts[0], nationality)
        if number is None:
            return Phone(remarks=(Remark("phone", Reason.PHONE_INVALID, raw),))
        return Phone(number)
    numbers = [(part, _phone_number(part, nationality)) for part in parts]
    first = next((index for index, (_part, number) in enumerate(numbers) if number), None)
    if first is None:
        return Phone(remarks=(Remark("phone", Reason.PHONE_INVALID, raw),))
    rest = " / ".join(part for index, (part, _number) in enumerate(numbers) if index != first)
    return Phone(numbers[first][1], (Remark("phone", Reason.FURTHER_VALUES, rest),))


# --- E-mail ----------------------------------------------------------------------------------

_EMAIL_SPLIT = re.compile(r"\s*[;,\s]\s*")
_validate_email = EmailValidator()
EMAIL_MAX_LENGTH = 254


def _email_valid(text: str) -> bool:
    if len(text) > EMAIL_MAX_LENGTH:
        return False
    try:
        _validate_email(text)
    except ValidationError:
        return False
    return True


def email(raw: str) -> tuple[str, list[Remark]]:
    if not raw or is_placeholder(raw):
        return "", []
    text = raw.removeprefix("mailto:")
    if _email_valid(text):
        return text, []
    parts = [part for part in _EMAIL_SPLIT.split(text) if part]
    valid = [part for part in parts if _email_valid(part)]
    if not valid or len(parts) == 1:
        return "", [Remark("email", Reason.EMAIL_INVALID, raw)]
    rest = " ".join(part for part in parts if part != valid[0])
    return valid[0], [Remark("email", Reason.FURTHER_VALUES, rest)]


# --- Address -------------------------------------------------------------------------------

_POSTCODE_PREFIX = re.compile(r"^(?:d|de)\s*-\s*|^d\s+(?=\d)", re.IGNORECASE)
_POSTCODE_WITH_CITY = re.compile(r"^(\d{5})\s+(\D.*)$")
STREET_MAX_LENGTH = 200


def _is_berlin(city: str) -> bool:
    folded = fold_accents(city)
    folded = folded.rstrip(".")
    return folded in ("berlin", "bln") or folded.startswith(("berlin-", "berlin ", "berlin,"))


def _berlin_postcode(code: str) -> bool:
    try:
        validate_berlin_postcode(code)
    except ValidationError:
        return False
    return True


def address(street: str, postcode: str, city: str) -> tuple[str, str, list[Remark]]:
    """(street, postcode) of an address in Berlin. An address elsewhere (a previous
    address in another federal state, a postal address abroad) is not stored in the
    record, which holds Berlin addresses only: it becomes a remark, whole. c/o an NGO or
    a shelter in Berlin is a Berlin address like any other (street "c/o ...")."""
    street = "" if is_placeholder(street) else street
    city = "" if is_placeholder(city) else city
    postcode = "" if is_placeholder(postcode) else _POSTCODE_PREFIX.sub("", postcode)
    if match := _POSTCODE_WITH_CITY.match(postcode):  # "10115 Berlin" in one cell
        postcode, city = match.group(1), city or match.group(2)
    if re.fullmatch(r"\d{2} ?\d{3}", postcode):
        postcode = postcode.replace(" ", "")
    if not (street or postcode or city):
        return "", "", []
    whole = ", ".join(part for part in (street, " ".join(p for p in (postcode, city) if p)) if part)
    if city and not _is_berlin(city):
        return "", "", [Remark("address_city", Reason.ADDRESS_OUTSIDE_BERLIN, whole)]
    if postcode and not _berlin_postcode(postcode):
        if re.fullmatch(r"\d{5}", postcode) and not city:
            # A German (or foreign) postcode outside Berlin: the street is elsewhere too.
            return "", "", [Remark("address_postcode", Reason.ADDRESS_OUTSIDE_BERLIN, whole)]
        if city:  # in Berlin, with a mistyped postcode: the street is still right
            remarks = [Remark("address_postcode", Reason.POSTCODE_INVALID, postcode)]
            return _street(street, remarks), "", remarks
        return "", "", [Remark("address_postcode", Reason.ADDRESS_OUTSIDE_BERLIN, whole)]
    remarks: list[Remark] = []
    return _street(street, remarks), postcode, remarks


def _street(street: str, remarks: list[Remark]) -> str:
    if len(street) > STREET_MAX_LENGTH:
        remarks.append(Remark("address_street", Reason.TOO_LONG, street))
        return ""
    return street


# --- Documents -------------------------------------------------------------------------------

_GERMAN = "DE"
# Spellings of each type (lower case, words joined by _). Arrival certificates and
# residence permits are issued in Germany whatever the nationality; the others are
# taken as issued by the country of the first nationality.
_DOCUMENT_SPELLINGS = {
    DocumentType.PASSPORT: ["pass", "reisepass", "p", "pp", "biometric_passport", "nationalpass"],
    DocumentType.ID_CARD: [
        "id", "idcard", "identity_card", "id_karte", "personalausweis", "ausweis", "national_id",
    ],
    DocumentType.BIRTH_CERTIFICATE: ["birth", "geburtsurkunde"],
    DocumentType.ARRIVAL_CERTIFICATE: ["ankunftsnachweis", "anr", "akn"],
    DocumentType.RESIDENCE_PERMIT: [
        "aufenthaltstitel", "aufenthaltserlaubnis", "residence_title", "eat",
        "fiktionsbescheinigung",
    ],
    DocumentType.OTHER: ["sonstiges", "andere", "inlandspass", "internal_passport"],
}  # fmt: skip
_ISSUED_IN_GERMANY = {DocumentType.ARRIVAL_CERTIFICATE, DocumentType.RESIDENCE_PERMIT}
_DOCUMENT_TYPES = {
    spelling: doc_type
    for doc_type, spellings in _DOCUMENT_SPELLINGS.items()
    for spelling in [doc_type.value, *spellings]
}
DOCUMENT_NUMBER_MAX_LENGTH = 30
# Cyrillic letters that look like Latin ones, typed on a Cyrillic keyboard into the
# series of a passport printed in Latin letters (МЕ123456 for ME123456).
_HOMOGLYPHS = str.maketrans("АВЕІКМНОРСТХ", "ABEIKMHOPCTX")


@dataclass(frozen=True)
class Document:
    doc_type: str = ""
    number: str = ""
    issuing_country: str = ""
    remarks: tuple[Remark, ...] = ()


def document(doc_type_raw: str, number_raw: str, *, nationality: str) -> Document:
    """A document the record can hold: known type, a number of the right format, an
    issuing country (Germany for German documents, else the first nationality)."""
    doc_type_raw = "" if is_placeholder(doc_type_raw) else doc_type_raw
    number_raw = "" if is_placeholder(number_raw) else number_raw
    if not doc_type_raw and not number_raw:
        return Document()
    whole = " ".join(part for part in (doc_type_raw, number_raw) if part)
    if not doc_type_raw or not number_raw:
        column = "document_number" if doc_type_raw else "document_type"
        return Document(remarks=(Remark(column, Reason.DOCUMENT_INCOMPLETE, whole),))
    known = _DOCUMENT_TYPES.get(re.sub(r"[\s\-.]+", "_", doc_type_raw.casefold()).strip("_"))
    if known is None:
        return Document(remarks=(Remark("document_type", Reason.DOCUMENT_TYPE_UNKNOWN, whole),))
    doc_type = known
    country = _GERMAN if doc_type in _ISSUED_IN_GERMANY else nationality
    if not country:
        remark = Remark("document_type", Reason.DOCUMENT_NO_ISSUING_COUNTRY, whole)
        return Document(remarks=(remark,))
    number = normalize_identifier(number_raw)
    if doc_type == DocumentType.PASSPORT and not number.isascii():
        number = number.translate(_HOMOGLYPHS)
    try:
        if len(number) > DOCUMENT_NUMBER_MAX_LENGTH:
            raise ValidationError("too long")
        validate_document_number(number, doc_type, country)
    except ValidationError:
        remark = Remark("document_number", Reason.DOCUMENT_NUMBER_INVALID, whole)
        return Document(remarks=(remark,))
    return Document(doc_type, number, country)
