"""Webhooks: telling an agency's system that its change feed has news, so it need not
poll. The message names cursors only ({"event": "feed.changed", "cursor_from", "cursor"});
the system then reads GET /api/v1/feed/ with its key (audited there). No personal data
leaves the portal by this route, and a lost message loses nothing: the feed has it.

- Signed: `X-Portal-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`;
  a receiver recomputes it and refuses old timestamps (replays).
- SSRF stance: only http(s) URLs whose host is in settings.WEBHOOK_ALLOWED_HOSTS (exact,
  or ".example.org" for its subdomains), checked when the endpoint is saved and again
  before every call; redirects are not followed; the response body is not read.
- Delivery (api.tasks): `webhooks_scan` (every minute) records a `WebhookDelivery` per
  endpoint whose feed has news; `webhook_deliver` tries it, retrying with exponential
  backoff (1 min, 2, 4, ... up to WEBHOOK_MAX_ATTEMPTS), each attempt in the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.feed import feed_for, feed_latest_cursor
from api.models import ApiClient, WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "X-Portal-Signature"
BACKOFF_BASE = dt.timedelta(minutes=1)


def url_allowed(url: str) -> bool:
    """http(s) to a host the operator listed (settings.WEBHOOK_ALLOWED_HOSTS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        return False
    host = parts.hostname.lower()
    for allowed in settings.WEBHOOK_ALLOWED_HOSTS:
        allowed = allowed.lower()
        if host == allowed or (allowed.startswith(".") and host.endswith(allowed)):
            return True
    return False


@transaction.atomic
def webhook_endpoint_create(*, api_client: ApiClient, url: str) -> WebhookEndpoint:
    """A new endpoint with a fresh signing secret; it hears of changes from now on."""
    if not url_allowed(url):
        raise ValidationError(
            {"url": _("Only http(s) addresses of hosts the operator allowed can be called.")}
        )
    endpoint = WebhookEndpoint(
        api_client=api_client, url=url, secret=secrets.token_hex(32), cursor=feed_latest_cursor()
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The signature header's value for `body`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signature_valid(secret: str, body: bytes, header: str, *, max_age: int = 300) -> bool:
    """What a receiver checks (given here for receivers in Python, and for the tests)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > max_age:
        return False
    expected = sign(secret, body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


@transaction.atomic
def webhooks_due() -> list[WebhookDelivery]:
    """A delivery for every active endpoint whose system's feed has news after the
    endpoint's cursor; the cursor moves on. Called every minute (api.tasks)."""
    deliveries = []
    endpoints = WebhookEndpoint.objects.select_for_update(skip_locked=True).filter(is_active=True)
    for endpoint in endpoints.select_related("api_client__user"):
        page = feed_for(endpoint.api_client.user, after=endpoint.cursor, limit=1)
        if page.items:
            # One message for everything up to now: "read the feed after cursor_from".
            cursor = feed_latest_cursor()
            deliveries.append(
                WebhookDelivery.objects.create(
                    endpoint=endpoint,
                    cursor_from=endpoint.cursor,
                    cursor=cursor,
                    next_try_at=timezone.now(),
                )
            )
        else:
            cursor = page.next_cursor  # past entries the system may not see
        if cursor != endpoint.cursor:
            endpoint.cursor = cursor
            endpoint.save(update_fields=["cursor"])
    return deliveries


def webhook_attempt(delivery: WebhookDelivery, *, transport=None) -> dt.datetime | None:
    """Try one delivery; returns when to try again (None: delivered or given up). The
    outcome is saved on the delivery (committed by the caller's transaction)."""
    endpoint = delivery.endpoint
    delivery.attempts += 1
    body = json.dumps(
        {
            "event": "feed.changed",
            "delivery": delivery.pk,
            "cursor_from": delivery.cursor_from,
            "cursor": delivery.cursor,
        },
        separators=(",", ":"),
    ).encode()
    status_code, error = None, ""
    if not endpoint.is_active:
        error = "endpoint inactive"
    elif not url_allowed(endpoint.url):
        error = "refused: host not allowed"
    else:
        try:
            with httpx.Client(
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                follow_redirects=False,
                transport=transport,
            ) as http:
                response = http.post(
                    endpoint.url,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        SIGNATURE_HEADER: sign(endpoint.secret, body),
                        "X-Portal-Delivery": str(delivery.pk),
                    },
                )
            status_code = response.status_code
        except httpx.TimeoutException:
            error = "timeout"
        except httpx.HTTPError:
            error = "connection"
    delivery.last_status_code = status_code
    delivery.last_error = error
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.next_try_at = None
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or error.startswith(
        ("refused", "endpoint")
    ):
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_try_at = None
    else:
        delivery.next_try_at = timezone.now() + BACKOFF_BASE * 2 ** (delivery.attempts - 1)
    delivery.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "last_error",
            "status",
            "delivered_at",
            "next_try_at",
        ]
    )
    return delivery.next_try_at
