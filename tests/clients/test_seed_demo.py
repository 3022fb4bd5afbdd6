import pytest
from django.core.management import CommandError, call_command

from access import policy
from agencies.models import Agency, User
from clients.models import Client, IdentityDocument

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_agencies_staff_and_clients_once(settings, capsys, legal_bases):
    settings.DEBUG = True
    call_command("seed_demo", "--clients", "80", "--password", "demo-pass")
    counts = (Agency.objects.count(), User.objects.count(), Client.objects.count())
    documents = IdentityDocument.objects.count()
    call_command("seed_demo", "--clients", "40", "--password", "demo-pass")

    assert counts == (5, 16, Client.objects.count())
    assert Client.objects.count() >= 40
    assert IdentityDocument.objects.count() == documents
    assert set(Agency.objects.values_list("slug", flat=True)) == {
        "laf",
        "lea",
        "sozialamt-mh",
        "jobcenter-mh",
        "caritas",
    }
    caseworker = User.objects.get(username="laf.caseworker")
    assert caseworker.check_password("demo-pass")
    assert caseworker.membership.role == "caseworker"
    visible = policy.clients_visible_to(caseworker)
    assert visible.exists()
    assert not visible.exclude(registered_by__slug="laf").exists()
    assert Client.objects.filter(household__isnull=False).exists()
    assert Client.objects.exclude(family_name_original="").exists()
    assert "demo-pass" in capsys.readouterr().out
    from access.models import Grant

    assert Grant.objects.filter(status="active").exists()
    assert Grant.objects.filter(status="pending").exists()


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", "--clients", "1")
    assert not User.objects.exists()
