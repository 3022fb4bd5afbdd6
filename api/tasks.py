"""The API's background jobs (procrastinate): webhook deliveries (api.webhooks) and the
change feed's nightly entries for grants that ended by their date.

`webhooks_scan` runs every minute: a delivery for each endpoint whose feed has news, and
a job for each delivery due (new ones, and any whose job was lost). `webhook_deliver`
makes one attempt and, on failure, schedules the next with exponential backoff; one job
per delivery at a time (queueing lock). Both run on the `scheduled` queue the worker
already serves.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from procrastinate import JobContext, exceptions
from procrastinate.contrib.django import app

from access.feed import grant_expiries_record
from api.models import WebhookDelivery
from api.webhooks import webhook_attempt, webhooks_due
from jobs.runs import job_run


def _enqueue(delivery_id: int, when) -> bool:
    try:
        # A savepoint: the refused insert of a second job must not abort the caller's
        # transaction.
        with transaction.atomic():
            webhook_deliver.configure(
                queueing_lock=f"webhook-delivery-{delivery_id}", schedule_at=when
            ).defer(delivery_id=delivery_id)
    except exceptions.AlreadyEnqueued:
        return False
    return True


@app.periodic(cron="* * * * *", periodic_id="webhooks")
@app.task(name="webhooks_scan", queue="scheduled", queueing_lock="webhooks_scan")
def webhooks_scan(timestamp: int | None = None) -> int:
    """Record deliveries for endpoints with news and enqueue every delivery due."""
    webhooks_due()
    due = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_try_at__lte=timezone.now()
    ).values_list("pk", "next_try_at")
    return sum(_enqueue(pk, when) for pk, when in due)


@app.task(name="webhook_deliver", queue="scheduled")
def webhook_deliver(delivery_id: int) -> str:
    """One attempt at a delivery; the next one scheduled when it failed."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return "nothing to deliver"
        retry_at = webhook_attempt(delivery)
    if retry_at is not None:
        _enqueue(delivery_id, retry_at)
    return delivery.status


# UTC, as settings.JOBS_SCHEDULE: 00:15 UTC is after midnight in Berlin all year.
@app.periodic(cron="15 0 * * *", periodic_id="nightly")
@app.task(
    name="feed_grant_expiries",
    queue="scheduled",
    queueing_lock="feed_grant_expiries",
    pass_context=True,
)
def feed_grant_expiries(context: JobContext | None, timestamp: int | None = None) -> dict:
    """The feed's `grant_ended` entries for sections whose grant ended yesterday (no row
    changes at midnight); catches up a week of missed nights, idempotent."""
    job_id = context.job.id if context is not None and context.job is not None else None
    with job_run("feed_grant_expiries", job_id=job_id, in_worker=context is not None) as run:
        run.summary = {"entries": grant_expiries_record()}
        return run.summary
