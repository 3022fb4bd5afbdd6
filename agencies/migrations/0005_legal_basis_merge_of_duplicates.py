"""The legal basis of the access an agency keeps after its record of a person was merged
into another agency's record of the same person (workflows.duplicates.merge).

Like 0003, `create` skips a row that is already there, so tests can replay it after a
flush (tests/duplicates/conftest.py)."""

from django.db import migrations

CODE = "merge-duplicates"
TITLE = "Zusammenführung doppelter Datensätze"
DESCRIPTION = (
    "Merge of duplicate records: two public bodies registered the same person; the "
    "record registered earlier remains, and the agency whose record was merged into it "
    "keeps access to the sections it held. Approved by a supervisor of each agency; ends "
    "when the merge is undone."
)


def create(apps, schema_editor):
    apps.get_model("agencies", "LegalBasis").objects.get_or_create(
        code=CODE, defaults={"title": TITLE, "description": DESCRIPTION, "is_consent": False}
    )


def remove(apps, schema_editor):
    # A grant naming it (PROTECT) keeps it; then it stays, as the legal record needs it.
    LegalBasis = apps.get_model("agencies", "LegalBasis")
    Grant = apps.get_model("access", "Grant")
    if not Grant.objects.filter(legal_basis__code=CODE).exists():
        LegalBasis.objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_grants_move_to_access"),
        ("access", "0001_initial_moved_from_agencies_and_clients"),
    ]

    operations = [migrations.RunPython(create, remove)]
