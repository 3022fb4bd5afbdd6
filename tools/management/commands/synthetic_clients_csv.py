"""Write a synthetic client CSV in the import format, for demos and evaluation.

The people come from tools.synthetic.matching (seeded): about a third of them have one
or two further records written differently (another transliteration, swapped names,
partial or day/month-swapped birth dates ...), so the file holds probable duplicates for
the duplicate report and the review queue. Birth dates and nationalities are written in
the different notations the import accepts. A document is written only with a
nationality, which the import takes as its issuing country.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser
from django_countries import countries

from core.dates import PartialDate
from tools.synthetic.matching import generate
from workflows.imports.parsing import COLUMNS

PLACES = {
    "UA": ["Kyiv", "Kharkiv", "Odesa", "Dnipro", "Lviv", "Zaporizhzhia", "Mykolaiv", ""],
    "SY": ["Aleppo", "Damascus", "Homs", "Latakia", ""],
    "AF": ["Kabul", "Herat", "Mazar-i-Sharif", ""],
    "IQ": ["Mosul", "Baghdad", "Erbil", ""],
}
# One deliberately bad value per kind, written over a good row with --with-errors.
BAD_VALUES: list[tuple[str, str]] = [
    ("birth_date", "31.02.1990"),
    ("birth_date", "1990/07/03"),
    ("sex", "q"),
    ("nationality", "ZZ"),
    ("address_postcode", "80331"),
    ("address_city", "Hamburg"),
    ("email", "not-an-address"),
    ("phone", "12"),
    ("document_type", "driving_licence"),
    ("document_number", "12"),
    ("family_name", ""),
    ("external_ref", "<previous>"),
]


class Command(BaseCommand):
    help = (
        "Write a seeded synthetic client CSV in the import format (with probable "
        "duplicates); --with-errors adds about 1% deliberately bad rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=10_000)
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--seed", type=int, default=5)
        parser.add_argument("--with-errors", action="store_true")
        parser.add_argument("--semicolon", action="store_true", help="semicolon-separated")

    def handle(self, *args, persons: int, output: Path, seed: int, **options) -> None:
        data = generate(persons, seed=seed)
        rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
        bad = 0
        previous_ref = ""
        with output.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";" if options["semicolon"] else ",")
            writer.writerow(COLUMNS)
            for record in data.records:
                row = _row(record, rng)
                if options["with_errors"] and rng.random() < 0.01:
                    column, value = BAD_VALUES[bad % len(BAD_VALUES)]
                    row[column] = previous_ref if value == "<previous>" else value
                    if column == "document_number" and not row["document_type"]:
                        row["document_type"] = "passport"
                    bad += 1
                previous_ref = row["external_ref"]
                writer.writerow([row[name] for name in COLUMNS])
        self.stdout.write(
            f"{len(data.records)} rows for {persons} persons ({len(data.true_pairs())} true "
            f"duplicate pairs, {bad} deliberately bad rows) written to {output}."
        )


def _row(record, rng: random.Random) -> dict[str, str]:
    nationality = record.nationalities[0] if record.nationalities else ""
    document = record.documents[0] if record.documents and nationality else ""
    phone = ""
    if rng.random() < 0.4:
        phone = f"+380 67 {rng.randint(1_000_000, 9_999_999)}"
    elif rng.random() < 0.3:
        phone = f"0151 {rng.randint(10_000_000, 99_999_999)}"
    return {
        "external_ref": f"SYN-{record.id:07d}",
        "family_name": record.family_name,
        "given_names": record.given_names,
        "family_name_original": record.family_name_original,
        "given_names_original": record.given_names_original,
        "birth_date": _birth(record.birth, rng),
        "sex": "" if record.sex == "u" else record.sex,
        "nationality": (
            countries.alpha3(nationality) if nationality and rng.random() < 0.2 else nationality
        ),
        "place_of_birth": rng.choice(PLACES.get(nationality, [""])),
        "document_type": "passport" if document else "",
        "document_number": document,
        "phone": phone,
        "email": f"person{record.id}@example.org" if rng.random() < 0.2 else "",
        "address_street": record.street,
        "address_postcode": record.postcode,
        "address_city": "Berlin" if record.street or record.postcode else "",
    }


def _birth(birth: PartialDate, rng: random.Random) -> str:
    """The same precision, in one of the notations sending systems use."""
    if birth.year is None:
        return ""
    german = rng.random() < 0.5
    if birth.day is not None:
        return str(birth) if german else f"{birth.year:04d}-{birth.month:02d}-{birth.day:02d}"
    if birth.month is not None:
        return str(birth) if german else f"{birth.year:04d}-{birth.month:02d}"
    return str(birth) if german else f"{birth.year:04d}"
