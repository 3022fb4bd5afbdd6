import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.migration_operations import move_content_types


# (old app label, model) of the models moved into this app.
MOVED = [("clients", "clientimport")]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("agencies", "0003_legal_bases_and_purpose_profiles"),
        ("clients", "0005_move_out_permissions_duplicates_imports"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist already (created under their old app): take them over in
        # the migration state only, then move their content types, then rename them.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ClientImport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file_name', models.CharField(max_length=255, verbose_name='file')),
                        ('started_at', models.DateTimeField(auto_now_add=True, verbose_name='started')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('rows_total', models.PositiveIntegerField(default=0, verbose_name='rows')),
                        ('rows_imported', models.PositiveIntegerField(default=0, verbose_name='imported')),
                        ('rows_skipped', models.PositiveIntegerField(default=0, verbose_name='already imported')),
                        ('row_errors', models.JSONField(default=list, verbose_name='rejected rows')),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                        ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'clients_clientimport',
                        'verbose_name': 'client import',
                        'verbose_name_plural': 'client imports',
                    },
                ),

            ],
            database_operations=[],
        ),
        move_content_types("imports", MOVED),
        migrations.AlterModelTable(name="clientimport", table=None),
    ]
