"""Grants and access requests moved to the `access` app (the access layer): removed from
this app's state only; `access.0001_initial` takes over their tables."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("agencies", "0003_legal_bases_and_purpose_profiles")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AccessRequest"),
                migrations.DeleteModel(name="Grant"),
            ],
            database_operations=[],
        )
    ]
