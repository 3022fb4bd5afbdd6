"""Webhooks: a signed "your feed has news" (cursors only) to hosts the operator allowed,
retried with backoff, every attempt in the delivery log."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from access.models import ClientGroupObjectPermission
from api.models import WebhookDelivery, WebhookEndpoint
from api.tasks import feed_grant_expiries, webhook_deliver, webhooks_scan
from api.webhooks import (
    SIGNATURE_HEADER,
    signature_valid,
    url_allowed,
    webhook_attempt,
    webhook_endpoint_create,
    webhooks_due,
)
from audit.models import AuditEvent
from clients import services as client_services
from jobs.models import JobRun
from tests.api.conftest import make_system
from tests.factories import UserFactory
from workflows.handover.services import handover_create, handover_decide

pytestmark = pytest.mark.django_db


class Receiver:
    """An agency system's webhook receiver on 127.0.0.1: answers `status`, keeps what
    it was sent."""

    def __init__(self, status: int = 204):
        self.status = status
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/portal"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def laf_system(laf):
    system, _key, _secret = make_system(laf, "caseworker")
    return system


def _change(client, actor):
    client.refresh_from_db()
    client_services.client_update(
        client=client, actor=actor, fields={"postcode": "12619"}, seen_version=client.version
    )


def test_only_http_urls_of_allowed_hosts_are_called(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["cases.jobcenter.example", ".sozialamt.example"]
    assert url_allowed("https://cases.jobcenter.example/hook")
    assert url_allowed("https://api.sozialamt.example/hook")
    assert not url_allowed("https://evil.example/hook")
    assert not url_allowed("https://cases.jobcenter.example.evil.example/hook")
    assert not url_allowed("http://169.254.169.254/latest/meta-data/")
    assert not url_allowed("file:///etc/passwd")
    assert not url_allowed("https://user@cases.jobcenter.example/hook")


def test_an_endpoint_for_a_host_not_allowed_is_refused(laf_system, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError):
        webhook_endpoint_create(api_client=laf_system, url="http://127.0.0.1:8000/")


def test_news_in_the_feed_is_delivered_signed_with_cursors_only(
    receiver, laf_system, olena, laf_caseworker
):
    endpoint = webhook_endpoint_create(api_client=laf_system, url=receiver.url)
    assert webhooks_due() == []  # nothing new since the endpoint was made

    _change(olena, laf_caseworker)
    (delivery,) = webhooks_due()
    assert webhooks_due() == []  # told once
    assert webhook_attempt(delivery) is None

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.attempts, delivery.last_status_code) == (1, 204)
    ((headers, body),) = receiver.received
    assert signature_valid(endpoint.secret, body, headers[SIGNATURE_HEADER])
    assert not signature_valid("another secret", body, headers[SIGNATURE_HEADER])
    message = json.loads(body)
    assert message == {
        "event": "feed.changed",
        "delivery": delivery.pk,
        "cursor_from": delivery.cursor_from,
        "cursor": delivery.cursor,
    }
    assert b"Shevchenko" not in body and b"12619" not in body


def test_changes_to_records_not_shared_are_not_news(
    receiver, api_as, sozialamt, olena, laf_caseworker
):
    webhook_endpoint_create(api_client=api_as(sozialamt).system, url=receiver.url)
    _change(olena, laf_caseworker)
    assert webhooks_due() == []


def test_a_failing_receiver_is_retried_with_growing_waits_then_given_up(
    receiver, laf_system, olena, laf_caseworker, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.status = 503
    webhook_endpoint_create(api_client=laf_system, url=receiver.url)
    _change(olena, laf_caseworker)
    (delivery,) = webhooks_due()

    waits = []
    for _attempt in range(2):
        before = timezone.now()
        waits.append(webhook_attempt(delivery) - before)
    # 1 minute, then 2 (the wait doubles)
    assert dt.timedelta(seconds=59) < waits[0] < dt.timedelta(seconds=61)
    assert dt.timedelta(seconds=119) < waits[1] < dt.timedelta(seconds=121)
    assert webhook_attempt(delivery) is None
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert (delivery.attempts, delivery.last_status_code) == (3, 503)
    assert len(receiver.received) == 3


def test_the_tasks_enqueue_deliver_and_reschedule_a_failure(
    receiver, laf_system, olena, laf_caseworker
):
    receiver.status = 500
    webhook_endpoint_create(api_client=laf_system, url=receiver.url)
    _change(olena, laf_caseworker)

    assert webhooks_scan() == 1
    delivery = WebhookDelivery.objects.get()
    jobs = ProcrastinateJob.objects.filter(task_name="webhook_deliver", status="todo")
    assert [job.args for job in jobs] == [{"delivery_id": delivery.pk}]
    assert webhooks_scan() == 0  # one job per delivery at a time

    jobs.delete()  # as a worker takes it
    assert webhook_deliver(delivery_id=delivery.pk) == WebhookDelivery.Status.PENDING
    (retry,) = ProcrastinateJob.objects.filter(task_name="webhook_deliver", status="todo")
    delivery.refresh_from_db()
    assert retry.scheduled_at == delivery.next_try_at
    assert delivery.last_status_code == 500


def test_a_host_no_longer_allowed_is_not_called(
    receiver, laf_system, olena, laf_caseworker, settings
):
    webhook_endpoint_create(api_client=laf_system, url=receiver.url)
    _change(olena, laf_caseworker)
    (delivery,) = webhooks_due()
    settings.WEBHOOK_ALLOWED_HOSTS = []
    assert webhook_attempt(delivery) is None
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_error == "refused: host not allowed"
    assert receiver.received == []


@pytest.fixture
def laf_admin(laf):
    return UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin", is_staff=True)


def test_agency_admin_adds_an_endpoint_for_an_allowed_host_only(
    client, laf_admin, laf_system, settings
):
    settings.WEBHOOK_ALLOWED_HOSTS = ["cases.laf.example"]
    client.force_login(laf_admin)
    refused = client.post(
        "/admin/api/webhookendpoint/add/",
        {"api_client": laf_system.pk, "url": "http://10.0.0.5/hook"},
    )
    assert refused.status_code == 200  # the form again, with the error
    assert not WebhookEndpoint.objects.exists()
    client.post(
        "/admin/api/webhookendpoint/add/",
        {"api_client": laf_system.pk, "url": "https://cases.laf.example/hook"},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert len(endpoint.secret) == 64
    assert AuditEvent.objects.filter(
        action="permission_change", object_type="api.webhookendpoint", actor=laf_admin
    ).exists()


def test_the_delivery_log_is_read_only_and_the_agencys_own(
    client, laf_admin, api_as, sozialamt, receiver
):
    other = webhook_endpoint_create(api_client=api_as(sozialamt).system, url=receiver.url)
    delivery = WebhookDelivery.objects.create(endpoint=other, cursor_from=0, cursor=1)
    client.force_login(laf_admin)
    listing = client.get("/admin/api/webhookdelivery/")
    assert listing.status_code == 200
    assert f"/admin/api/webhookdelivery/{delivery.pk}/" not in listing.content.decode()
    assert client.get("/admin/api/webhookdelivery/add/").status_code == 403


def test_the_nightly_job_writes_the_feed_entries_of_grants_ended_by_date(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii
):
    (grant,) = handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=sgb_ii,
        purpose="Benefits",
        expires_on=timezone.localdate(),
    )
    handover_decide(actor=sozialamt_caseworker, handover_id=grant.handover_id, accept=True)
    # As the night after the last valid day finds the rows.
    ClientGroupObjectPermission.objects.filter(group=sozialamt.group).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert feed_grant_expiries(None) == {"entries": 1}
    assert feed_grant_expiries(None) == {"entries": 0}
    assert JobRun.objects.filter(task="feed_grant_expiries", status="ok").count() == 2
