"""The permission rows moved to `access`, duplicate pairs and merges to
`workflows.duplicates`, import runs to `workflows.imports`: removed from this app's
state only; those apps' first migrations take over the tables."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clients", "0004_match_keys_backfill")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ClientMerge"),
                migrations.DeleteModel(name="DuplicatePair"),
                migrations.DeleteModel(name="ClientImport"),
                migrations.DeleteModel(name="ClientGroupObjectPermission"),
                migrations.DeleteModel(name="ClientUserObjectPermission"),
            ],
            database_operations=[],
        )
    ]
