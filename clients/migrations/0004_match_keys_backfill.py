"""Blocking keys for the records that existed before duplicate detection (0003 created
the table empty). Derived data: computed by the matcher of the code being deployed,
from the historical models, in batches; `manage.py rebuild_match_keys` does the same
after a change of the matcher's keys."""

from django.db import migrations



def backfill(apps, schema_editor):
    from clients.matchkeys import match_keys_rebuild

    match_keys_rebuild(
        client_model=apps.get_model("clients", "Client"),
        document_model=apps.get_model("clients", "IdentityDocument"),
        key_model=apps.get_model("clients", "ClientMatchKey"),
    )


class Migration(migrations.Migration):
    dependencies = [("clients", "0003_duplicates_merge_import")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
