"""Behind the proxy, the client address comes from X-Forwarded-For: whatever it holds,
the event is hashed with the value the database stores (the chain stays intact), and a
value that is no address is stored as none, never a server error."""

import pytest
from django.urls import reverse

from audit.chain import chain_verify
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

FORWARDED = [
    ("fe80::1%eth0", "fe80::1"),
    ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
    ("unknown", None),
    ("203.0.113.7:51234", "203.0.113.7"),
    ("[2001:db8::1]:443", "2001:db8::1"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("::203.0.113.7", "203.0.113.7"),
    ("[2001:db8::1]:http", None),
    ("203.0.113.7:", None),
    ("'; DROP TABLE audit_auditevent; --", None),
]


@pytest.fixture
def proxy(settings):
    settings.BEHIND_PROXY = True


@pytest.mark.parametrize(("forwarded", "stored"), FORWARDED)
def test_a_record_page_read_through_the_proxy_keeps_the_chain(
    proxy, laf_client, olena, forwarded, stored
):
    response = laf_client.get(
        reverse("clients:client-detail", args=[olena.pk]),
        HTTP_X_FORWARDED_FOR=f"198.51.100.20, {forwarded}",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="view", object_id=str(olena.pk))
    assert event.client_ip == stored
    assert chain_verify()[1] is None


@pytest.mark.parametrize(("forwarded", "stored"), FORWARDED)
def test_logins_through_the_proxy_keep_the_chain(proxy, client, laf_caseworker, forwarded, stored):
    laf_caseworker.set_password("correct horse")
    laf_caseworker.save()
    login = reverse("login")
    failed = client.post(
        login, {"username": "laf.caseworker", "password": "wrong"}, HTTP_X_FORWARDED_FOR=forwarded
    )
    assert failed.status_code == 200
    done = client.post(
        login,
        {"username": "laf.caseworker", "password": "correct horse"},
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert done.status_code == 302
    events = AuditEvent.objects.order_by("pk")
    assert [(e.action, e.client_ip) for e in events] == [
        ("login_failed", stored),
        ("login", stored),
    ]
    assert chain_verify() == (2, None)


def test_without_the_proxy_the_header_is_ignored(laf_client, olena):
    laf_client.get(
        reverse("clients:client-detail", args=[olena.pk]), HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert AuditEvent.objects.get(action="view").client_ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("raw", "address"),
    [
        (" 192.0.2.1 ", "192.0.2.1"),
        ("::1", "::1"),
        ("::", "::"),
        ("::100", "::100"),
        ("[::1]", "::1"),
        ("", None),
        ("[::1", None),
        ("1.2.3.4.5", None),
        ("fe80::1%", "fe80::1"),
        ("x" * 10_000, None),
    ],
)
def test_addresses_are_normalised(raw, address):
    from audit.middleware import normalised_ip

    assert normalised_ip(raw) == address


def test_every_form_reads_back_from_the_database_as_it_was_hashed(laf_caseworker):
    """PostgreSQL writes some IPv6 forms its own way; a normalised value never differs."""
    from audit.context import RequestMeta, current_request_meta
    from audit.middleware import normalised_ip
    from audit.services import audit_record

    raws = ["2001:DB8::", "1::", "0:0:0:0:0:1:0:0", "::ffff:0:0", "::1:2", "64:ff9b::1.2.3.4"]
    for raw in raws:
        token = current_request_meta.set(RequestMeta("r" * 8, normalised_ip(raw)))
        try:
            audit_record(actor=laf_caseworker, action="view", object_type="t")
        finally:
            current_request_meta.reset(token)
    assert chain_verify() == (len(raws), None)
