"""The blocking rules changed (keys that survive a wrong month, name-only keys stored by
records without a full birth date, family name + year for year-only records): rewrite
every record's keys with the matcher of the code being deployed."""

from django.db import migrations


def rebuild(apps, schema_editor):
    from clients.matchkeys import match_keys_rebuild

    match_keys_rebuild(
        client_model=apps.get_model("clients", "Client"),
        document_model=apps.get_model("clients", "IdentityDocument"),
        key_model=apps.get_model("clients", "ClientMatchKey"),
    )


class Migration(migrations.Migration):
    dependencies = [("clients", "0005_move_out_permissions_duplicates_imports")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=True)]
