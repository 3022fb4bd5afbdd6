import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.migration_operations import move_content_types


# (old app label, model) of the models moved into this app.
MOVED = [("agencies", "grant"), ("agencies", "accessrequest"), ("clients", "clientgroupobjectpermission"), ("clients", "clientuserobjectpermission")]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("agencies", "0004_grants_move_to_access"),
        ("clients", "0005_move_out_permissions_duplicates_imports"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist already (created under their old app): take them over in
        # the migration state only, then move their content types, then rename them.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Grant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sections', models.JSONField(default=list, verbose_name='sections')),
                        ('legal_basis_note', models.CharField(blank=True, max_length=300, verbose_name='legal basis, details')),
                        ('purpose', models.CharField(max_length=300, verbose_name='purpose')),
                        ('expires_on', models.DateField(blank=True, null=True, verbose_name='valid until')),
                        ('status', models.CharField(choices=[('pending', 'waiting for acceptance'), ('active', 'active'), ('declined', 'declined'), ('revoked', 'revoked')], max_length=16, verbose_name='status')),
                        ('origin', models.CharField(choices=[('handover', 'handover'), ('request', 'access request')], max_length=16, verbose_name='origin')),
                        ('handover_id', models.UUIDField(db_index=True, verbose_name='handover')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='accepted or declined')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked')),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grants', to='agencies.agency', verbose_name='receiving agency')),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='grants', to='clients.client', verbose_name='client')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('granted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grants_given', to='agencies.agency', verbose_name='granted by')),
                        ('legal_basis', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.legalbasis', verbose_name='legal basis')),
                        ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'agencies_grant',
                        'verbose_name': 'grant',
                        'verbose_name_plural': 'grants',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='AccessRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sections', models.JSONField(default=list, verbose_name='sections')),
                        ('legal_basis_note', models.CharField(blank=True, max_length=300, verbose_name='legal basis, details')),
                        ('purpose', models.CharField(max_length=300, verbose_name='purpose')),
                        ('status', models.CharField(choices=[('pending', 'waiting for decision'), ('approved', 'approved'), ('declined', 'declined')], default='pending', max_length=16, verbose_name='status')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='requested at')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                        ('decision_note', models.CharField(blank=True, max_length=300, verbose_name='reason')),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='access_requests', to='clients.client', verbose_name='client')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('holding_agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='requests_received', to='agencies.agency', verbose_name='asked')),
                        ('legal_basis', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.legalbasis', verbose_name='legal basis')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('requesting_agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='requests_made', to='agencies.agency', verbose_name='requested by')),
                        ('grant', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='request', to='access.grant')),
                    ],
                    options={
                        'db_table': 'agencies_accessrequest',
                        'verbose_name': 'access request',
                        'verbose_name_plural': 'access requests',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ClientGroupObjectPermission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('expires_on', models.DateField(blank=True, null=True)),
                        ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='clients.client')),
                        ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.group')),
                        ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                    ],
                    options={
                        'db_table': 'clients_clientgroupobjectpermission',
                        'abstract': False,
                        'unique_together': {('group', 'permission', 'content_object')},
                    },
                ),
                migrations.CreateModel(
                    name='ClientUserObjectPermission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='clients.client')),
                        ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'clients_clientuserobjectpermission',
                        'abstract': False,
                        'unique_together': {('user', 'permission', 'content_object')},
                    },
                ),
                migrations.AddIndex(
                    model_name='grant',
                    index=models.Index(fields=['agency', 'status'], name='grant_agency_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='grant',
                    constraint=models.CheckConstraint(condition=models.Q(('agency', models.F('granted_by')), _negated=True), name='grant_to_another_agency'),
                ),
                migrations.AddIndex(
                    model_name='accessrequest',
                    index=models.Index(fields=['holding_agency', 'status'], name='request_holder_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='accessrequest',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('client', 'requesting_agency'), name='request_one_pending_per_agency'),
                ),

            ],
            database_operations=[],
        ),
        move_content_types("access", MOVED),
        migrations.AlterModelTable(name="grant", table=None),
        migrations.AlterModelTable(name="accessrequest", table=None),
        migrations.AlterModelTable(name="clientgroupobjectpermission", table=None),
        migrations.AlterModelTable(name="clientuserobjectpermission", table=None),
    ]
