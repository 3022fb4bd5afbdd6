"""Starting lists admins can edit: the legal bases named in handovers (DOMAIN.md) and
the sections each kind of agency normally needs."""

from django.db import migrations

LEGAL_BASES = [
    ("consent", "Einwilligung (Art. 6 Abs. 1 lit. a, Art. 9 Abs. 2 lit. a DSGVO)",
     "Consent of the person; must be documented and can be revoked at any time.", True),
    ("sgb-x-67d", "§ 67d ff. SGB X (Übermittlung von Sozialdaten)",
     "Transfer of social data between social-benefit agencies.", False),
    ("sgb-ii-50", "§ 50 SGB II (Datenübermittlung Jobcenter)",
     "Data exchange of the Jobcenter, e.g. at the change from AsylbLG to SGB II.", False),
    ("asylblg-11", "§ 11 AsylbLG (Datenabgleich)",
     "Data comparison between authorities under the AsylbLG.", False),
    ("aufenthg-86", "§ 86 ff. AufenthG (Erhebung und Übermittlung durch Ausländerbehörden)",
     "Collection and transfer of data by immigration authorities.", False),
    ("aufenthg-87", "§ 87 AufenthG (Unterrichtung der Ausländerbehörde)",
     "Duty of public bodies to inform the immigration office.", False),
]

PROFILES = [
    ("refugee_office", ["identity", "contact", "residence", "documents", "household", "sensitive"],
     "Registration, accommodation and benefits under the AsylbLG"),
    ("immigration_office", ["identity", "contact", "residence", "documents", "household"],
     "Residence title (e.g. § 24 AufenthG)"),
    ("social_welfare_office", ["identity", "contact", "residence", "documents", "household"],
     "Benefits under the AsylbLG or SGB XII"),
    ("jobcenter", ["identity", "contact", "residence", "documents", "household"],
     "Benefits under SGB II"),
    ("ngo", ["identity", "contact"], "Counselling with the person's consent"),
    ("other", ["identity"], ""),
]


def create(apps, schema_editor):
    LegalBasis = apps.get_model("agencies", "LegalBasis")
    PurposeProfile = apps.get_model("agencies", "PurposeProfile")
    for code, title, description, is_consent in LEGAL_BASES:
        LegalBasis.objects.get_or_create(
            code=code,
            defaults={"title": title, "description": description, "is_consent": is_consent},
        )
    for kind, sections, purpose in PROFILES:
        PurposeProfile.objects.get_or_create(
            kind=kind, defaults={"sections": sections, "purpose": purpose}
        )


def remove(apps, schema_editor):
    apps.get_model("agencies", "LegalBasis").objects.filter(
        code__in=[code for code, *_ in LEGAL_BASES]
    ).delete()
    apps.get_model("agencies", "PurposeProfile").objects.filter(
        kind__in=[kind for kind, *_ in PROFILES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_grants_and_access_requests")]

    operations = [migrations.RunPython(create, remove)]
