"""A legacy export of another agency's case-management system, in our import columns,
with the problems real exports have (issue 10; docs/DOMAIN.md "Other data as it really
arrives"), at the rates in `LEGACY_RATES`.

The rates come from the issue's real file (18,463 rows of another agency's export, of
which the old import rejected 2,009 = 10.9 % for a postcode outside Berlin, 1,100 = 6.0 %
for a phone format and 1,064 = 5.8 % for a document without issuing state) and from what
DOMAIN.md says arrives: nationality as UKR/UA/Ukraine/ukrainisch, phones with spaces,
dashes and brackets, Ukrainian "0 67 ..." and German "0151 ...", two numbers in one
field, dates as 03.07.1985 / 1985-07-03 / 00.00.1985 / 1985 / 3.7.85, empty mandatory
fields, Windows-1252. They are written the way a sending system writes them, without
looking at what our import accepts: that is what the import is measured against.

The persons come from `tools.synthetic.matching` (one record each, no duplicates):
Ukrainian, Syrian and Afghan names in the transliterations offices use, with original
script, birth dates of every precision, households sharing an address. Every person has
an external_ref of its own; a few rows are exported twice (the same person, same ref).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field

from core.dates import PartialDate
from tools.synthetic.matching import generate
from workflows.imports.parsing import COLUMNS

# Share of rows (persons) with each problem.
LEGACY_RATES = {
    "address_elsewhere": 0.11,  # previous address in another federal state, or abroad
    "address_care_of": 0.03,  # c/o a shelter or an NGO in Berlin
    "phone_odd": 0.06,  # a format the old import refused (some are unusable for good)
    "document_without_nationality": 0.06,  # a document, the nationality column empty
    "nationality_unknown": 0.01,  # UdSSR, Kurdistan, UK (for Ukraine) ...
    "nationality_none": 0.008,  # staatenlos, ungeklärt
    "birth_two_digit_year": 0.02,  # 3.7.85
    "birth_slashed": 0.03,  # 03/07/1985, which way round?
    "birth_placeholder": 0.003,  # 01.01.1900
    "sex_numeric": 0.01,  # ISO 5218 digits
    "email_broken": 0.01,  # name@gmail,com; name(at)mail.ru
    "document_type_unknown": 0.01,  # Führerschein
    "family_name_empty": 0.003,  # a mandatory field left empty
    "family_name_placeholder": 0.001,  # NN
    "family_name_original_only": 0.002,  # only the Cyrillic family name was filled in
    "exported_twice": 0.001,  # the same row twice in the file
    "null_literal": 0.02,  # empty cells written as NULL (a database dump)
}

_UA_NATIONALITY = [
    ("UKR", 30),
    ("UA", 25),
    ("Ukraine", 15),
    ("ukrainisch", 10),
    ("Ukrainisch", 8),
    ("UKRAINE", 5),
    ("Ukrainian", 5),
    ("ukrainische", 2),
]
_SPELLINGS = {
    "UA": _UA_NATIONALITY,
    "SY": [("SYR", 40), ("SY", 20), ("Syrien", 25), ("syrisch", 15)],
    "AF": [("AFG", 40), ("AF", 15), ("Afghanistan", 30), ("afghanisch", 15)],
    "IQ": [("IRQ", 40), ("Irak", 40), ("irakisch", 20)],
    "RU": [("RUS", 50), ("Russland", 30), ("russisch", 20)],
}  # fmt: skip
_UNKNOWN_NATIONALITIES = ["UdSSR", "Sowjetunion", "Kurdistan", "kurdisch", "UK", "Jugoslawien"]
_NO_NATIONALITY = ["staatenlos", "ungeklärt", "XXA"]
_ELSEWHERE_DE = [
    ("20095", "Hamburg"), ("80331", "München"), ("04109", "Leipzig"), ("14467", "Potsdam"),
    ("01067", "Dresden"), ("50667", "Köln"), ("60311", "Frankfurt am Main"),
    ("15230", "Frankfurt (Oder)"), ("39104", "Magdeburg"), ("18055", "Rostock"),
]  # fmt: skip
_ELSEWHERE_ABROAD = [
    ("61000", "Kharkiv", "vul. Sumska"), ("01001", "Kyiv", "vul. Khreshchatyk"),
    ("79000", "Lviv", "prosp. Svobody"), ("65000", "Odesa", "vul. Derybasivska"),
    ("00-001", "Warszawa", "ul. Marszałkowska"), ("", "Aleppo", "Al-Aziziyah"),
]  # fmt: skip
_STREETS_ELSEWHERE = ["Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Lindenallee"]
_CARE_OF = [
    "c/o Caritas Flüchtlingsberatung, Residenzstraße 90",
    "c/o Diakonie, Paulsenstraße 55",
    "c/o Notunterkunft Tegel, Flughafen Tegel, Gebäude C",
    "c/o Ankunftszentrum, Oranienburger Straße 285",
    "bei Familie Schulz, Sonnenallee 12",
]
_BERLIN_CITY = ["Berlin", "Berlin", "Berlin", "BERLIN", "Berlin-Marzahn", "Bln.", ""]
_DOCUMENT_TYPES = [("Reisepass", 40), ("Pass", 15), ("passport", 20), ("Nationalpass", 5),
                   ("Personalausweis", 10), ("ID-Karte", 5), ("Ankunftsnachweis", 5)]  # fmt: skip
_PLACES = {
    "UA": ["Kyiv", "Kiew", "Kharkiv", "Charkiw", "Odesa", "Dnipro", "Lwiw", "Mariupol", ""],
    "SY": ["Aleppo", "Damaskus", "Homs", ""],
    "AF": ["Kabul", "Herat", ""],
}
# German mobile prefixes in use, with the subscriber number's length.
_DE_MOBILE = [("151", 8), ("152", 8), ("155", 8), ("157", 8), ("159", 8), ("160", 7),
              ("162", 7), ("163", 7), ("170", 7), ("172", 7), ("173", 7), ("175", 7),
              ("176", 8), ("177", 8), ("178", 8), ("179", 7)]  # fmt: skip
_EMAIL_DOMAINS = ["gmail.com", "ukr.net", "i.ua", "mail.ru", "web.de", "gmx.de", "yahoo.com"]


@dataclass
class LegacyExport:
    rows: list[dict[str, str]]
    persons: int
    problems: dict[str, int] = field(default_factory=dict)


def legacy_export(persons: int, *, seed: int = 11) -> LegacyExport:
    """`persons` rows (a few more: rows exported twice), values as the old system wrote."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    people = generate(persons, seed=seed, duplicate_rate=0.0).records
    problems: dict[str, int] = dict.fromkeys(LEGACY_RATES, 0)

    def roll(kind: str) -> bool:
        hit = rng.random() < LEGACY_RATES[kind]
        problems[kind] += hit
        return hit

    rows: list[dict[str, str]] = []
    for number, person in enumerate(people, start=1):
        row = _row(rng, roll, person, number)
        rows.append(row)
        if roll("exported_twice"):
            rows.append(dict(row))
    return LegacyExport(rows, persons, problems)


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _row(rng: random.Random, roll, person, number: int) -> dict[str, str]:
    nationality = person.nationalities[0] if person.nationalities else ""
    row = {
        "external_ref": f"AKTE-{number:07d}",
        "family_name": person.family_name,
        "given_names": person.given_names,
        "family_name_original": person.family_name_original,
        "given_names_original": person.given_names_original,
        "birth_date": _birth(rng, roll, person.birth),
        "sex": _sex(rng, roll, person.sex),
        "nationality": _nationality(rng, roll, nationality),
        "place_of_birth": rng.choice(_PLACES.get(nationality, [""])),
        "document_type": "",
        "document_number": "",
        "phone": _phone(rng, roll, nationality),
        "email": _email(rng, roll, person.family_name),
        "address_street": person.street,
        "address_postcode": person.postcode,
        "address_city": rng.choice(_BERLIN_CITY) if person.street or person.postcode else "",
    }
    documents = list(person.documents)
    if roll("document_without_nationality"):
        # The old system kept the document but not the nationality (or lost it).
        row["nationality"] = ""
        documents = documents or [
            f"{rng.choice(['FA', 'FB', 'EK', 'CM'])}{rng.randint(1, 999999):06d}"
        ]
    if documents:
        row["document_type"] = _weighted(rng, _DOCUMENT_TYPES)
        row["document_number"] = _document_number(rng, documents[0])
        if row["document_type"] == "Ankunftsnachweis":
            row["document_number"] = f"ANR {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
        elif row["document_type"] in ("Personalausweis", "ID-Karte"):
            row["document_number"] = f"{rng.randint(0, 999999999):09d}"  # Ukrainian ID card
        if roll("document_type_unknown"):
            row["document_type"] = rng.choice(["Führerschein", "Wehrpass", "Studentenausweis"])
    if roll("address_elsewhere"):
        _address_elsewhere(rng, row)
    elif roll("address_care_of"):
        row["address_street"] = rng.choice(_CARE_OF)
        row["address_postcode"] = rng.choice(["13409", "10787", "13405", "10115", "12043"])
        row["address_city"] = "Berlin"
    if roll("family_name_empty"):
        row["family_name"] = row["family_name_original"] = ""
    elif roll("family_name_placeholder"):
        row["family_name"], row["family_name_original"] = "NN", ""
    elif roll("family_name_original_only") and row["family_name_original"]:
        row["family_name"] = ""
    if roll("null_literal"):
        for column, value in row.items():
            if not value and column != "external_ref":
                row[column] = "NULL"
    return row


def _birth(rng: random.Random, roll, birth: PartialDate) -> str:
    if birth.year is None:
        return rng.choice(["", "", "", "00.00.0000"])
    if roll("birth_placeholder"):
        return "01.01.1900"
    if birth.month is None:
        return rng.choice([f"00.00.{birth.year}", str(birth.year)])
    if birth.day is None:
        return rng.choice([f"00.{birth.month:02d}.{birth.year}", f"{birth.year}-{birth.month:02d}"])
    day, month, year = birth.day, birth.month, birth.year
    if roll("birth_two_digit_year"):
        return f"{day}.{month}.{year % 100:02d}"
    if roll("birth_slashed"):
        return f"{day:02d}/{month:02d}/{year}"
    return _weighted(
        rng,
        [
            (f"{day:02d}.{month:02d}.{year}", 55),
            (f"{year}-{month:02d}-{day:02d}", 20),
            (f"{year}-{month:02d}-{day:02d} 00:00:00", 15),  # a datetime column
            (f"{day}.{month}.{year}", 10),
        ],
    )


def _sex(rng: random.Random, roll, sex: str) -> str:
    if sex not in ("f", "m"):
        return rng.choice(["", "", "u", "unbekannt"])
    if roll("sex_numeric"):
        return "2" if sex == "f" else "1"
    female = sex == "f"
    return _weighted(
        rng,
        [
            ("w" if female else "m", 40),
            ("f" if female else "m", 25),
            ("weiblich" if female else "männlich", 15),
            ("W" if female else "M", 10),
            ("", 10),
        ],
    )


def _nationality(rng: random.Random, roll, code: str) -> str:
    if roll("nationality_unknown"):
        return rng.choice(_UNKNOWN_NATIONALITIES)
    if roll("nationality_none"):
        return rng.choice(_NO_NATIONALITY)
    if not code:
        return ""
    spellings = _SPELLINGS.get(code)
    return _weighted(rng, spellings) if spellings else code


def _phone(rng: random.Random, roll, nationality: str) -> str:
    ua = f"{rng.choice(['67', '50', '63', '66', '93', '97', '98'])}{rng.randint(1000000, 9999999)}"
    prefix, digits = rng.choice(_DE_MOBILE)
    de = f"{prefix}{rng.randint(10 ** (digits - 1), 10**digits - 1)}"
    if roll("phone_odd"):
        return rng.choice(
            [
                f"0 {ua[:2]} {ua[2:5]} {ua[5:7]} {ua[7:]}",  # Ukrainian, written nationally
                f"+380 ({ua[:2]}) {ua[2:5]}-{ua[5:7]}-{ua[7:]}",
                f"(0{de[:3]}) {de[3:6]} {de[6:]}",
                f"0{de[:3]}/{de[3:]} / 030 {rng.randint(1000000, 9999999)}",  # two numbers
                f"+380{ua}; 0{de}",
                f"+49 (0){de[:3]} {de[3:]}",
                f"Tel.: 0{de[:3]}-{de[3:]}",
                f"380{ua}",  # the plus lost
                f"{float('49' + de):.5E}".replace(".", ","),  # a spreadsheet's number
                f"0{de[:3]} {de[3:]} (Mutter)",  # whose number?
                f"{rng.randint(10, 99999)}",  # too short
            ]
        )
    draw = rng.random()
    if draw < 0.35:
        return f"+380 {ua[:2]} {ua[2:]}" if nationality == "UA" else f"+49 {de[:3]} {de[3:]}"
    if draw < 0.55:
        return f"0{de[:3]} {de[3:]}"
    if draw < 0.6:
        return f"030 {rng.randint(1000000, 9999999)}"
    return ""


def _email(rng: random.Random, roll, family_name: str) -> str:
    local = "".join(c for c in family_name.lower() if c.isascii() and c.isalpha()) or "person"
    local += str(rng.randint(1, 999))
    domain = rng.choice(_EMAIL_DOMAINS)
    if roll("email_broken"):
        return rng.choice(
            [f"{local}@{domain.replace('.', ',')}", f"{local}(at){domain}", f"{local}@", local]
        )
    return f"{local}@{domain}" if rng.random() < 0.15 else ""


def _address_elsewhere(rng: random.Random, row: dict[str, str]) -> None:
    street = f"{rng.choice(_STREETS_ELSEWHERE)} {rng.randint(1, 120)}"
    draw = rng.random()
    if draw < 0.6:  # a previous address in another federal state
        postcode, city = rng.choice(_ELSEWHERE_DE)
        row["address_city"] = city if rng.random() < 0.8 else ""
    elif draw < 0.95:  # a postal address abroad
        postcode, city, street_name = rng.choice(_ELSEWHERE_ABROAD)
        street = f"{street_name} {rng.randint(1, 80)}"
        row["address_city"] = city
    else:  # a German postcode alone, no city
        postcode, _city = rng.choice(_ELSEWHERE_DE)
        row["address_city"] = ""
    row["address_street"], row["address_postcode"] = street, postcode


def _document_number(rng: random.Random, number: str) -> str:
    """Typed as people read it out: with spaces, dashes, in lower case."""
    draw = rng.random()
    if draw < 0.2 and len(number) > 2:
        return f"{number[:2]} {number[2:]}"
    if draw < 0.3:
        return number.lower()
    if draw < 0.35 and len(number) > 5:
        return f"{number[:2]}-{number[2:5]}-{number[5:]}"
    return number


def legacy_csv(export: LegacyExport, *, encoding: str = "utf-8", semicolon: bool = False) -> bytes:
    """The file as the old system saved it. In Windows-1252 every letter it cannot hold
    (Cyrillic, Arabic, č, ş) became a question mark, as Windows' conversion does."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";" if semicolon else ",", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in export.rows:
        writer.writerow([row[column] for column in COLUMNS])
    return buffer.getvalue().encode(encoding, errors="replace")
