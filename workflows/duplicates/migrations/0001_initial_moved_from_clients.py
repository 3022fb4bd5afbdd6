import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.migration_operations import move_content_types


# (old app label, model) of the models moved into this app.
MOVED = [("clients", "duplicatepair"), ("clients", "clientmerge")]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
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
                    name='DuplicatePair',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('score', models.FloatField(verbose_name='score')),
                        ('reasons', models.JSONField(default=list, verbose_name='reasons')),
                        ('status', models.CharField(choices=[('open', 'to review'), ('merged', 'merged'), ('not_same', 'not the same person')], default='open', max_length=16, verbose_name='status')),
                        ('source', models.CharField(choices=[('report', 'duplicate report'), ('intake', 'registered despite a probable match')], max_length=16, verbose_name='found by')),
                        ('note', models.CharField(blank=True, max_length=500, verbose_name='reason given')),
                        ('found_at', models.DateTimeField(auto_now_add=True, verbose_name='found at')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                        ('client_a', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clients.client')),
                        ('client_b', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clients.client')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                    ],
                    options={
                        'db_table': 'clients_duplicatepair',
                        'verbose_name': 'probable duplicate',
                        'verbose_name_plural': 'probable duplicates',
                    },
                ),
                migrations.CreateModel(
                    name='ClientMerge',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('survivor_before', models.JSONField(default=dict)),
                        ('moved', models.JSONField(default=dict)),
                        ('merged_at', models.DateTimeField(auto_now_add=True)),
                        ('undone_at', models.DateTimeField(blank=True, null=True)),
                        ('merged', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clients.client')),
                        ('merged_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('survivor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clients.client')),
                        ('undone_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('pair', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='merges', to='duplicates.duplicatepair')),
                    ],
                    options={
                        'db_table': 'clients_clientmerge',
                        'verbose_name': 'merge',
                        'verbose_name_plural': 'merges',
                    },
                ),
                migrations.AddIndex(
                    model_name='duplicatepair',
                    index=models.Index(fields=['status', '-score'], name='duplicate_pair_queue_idx'),
                ),
                migrations.AddConstraint(
                    model_name='duplicatepair',
                    constraint=models.UniqueConstraint(fields=('client_a', 'client_b'), name='duplicate_pair_unique'),
                ),
                migrations.AddConstraint(
                    model_name='duplicatepair',
                    constraint=models.CheckConstraint(condition=models.Q(('client_a__lt', models.F('client_b'))), name='duplicate_pair_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='duplicatepair',
                    constraint=models.CheckConstraint(condition=models.Q(('score__gte', 0), ('score__lte', 1)), name='duplicate_pair_score_range'),
                ),

            ],
            database_operations=[],
        ),
        move_content_types("duplicates", MOVED),
        migrations.AlterModelTable(name="duplicatepair", table=None),
        migrations.AlterModelTable(name="clientmerge", table=None),
    ]
