"""Mail to the people of an agency who act on alerts: its supervisors and agency admins.

Each gets the message in the language they chose. A mail server that is down never turns
the caller's work into an error: every alert also goes to the operator's log
(`portal.alerts`), which is the channel monitoring relies on.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.mail import send_mail
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from agencies.models import Membership, User


def supervisors_of(agency_id: int) -> QuerySet[User]:
    """Active supervisors and agency admins of an agency who have a mail address."""
    return User.objects.filter(
        is_active=True,
        membership__agency_id=agency_id,
        membership__role__in=[Membership.Role.SUPERVISOR, Membership.Role.AGENCY_ADMIN],
    ).exclude(email="")


def supervisors_mail(
    *,
    agency_id: int,
    subject: Promise,
    context: Mapping[str, object],
    body: Promise | None = None,
    template: str = "",
    exclude_user_id: int | None = None,
) -> int:
    """Mail `subject` and `body % context` (lazy translations), or `template` rendered
    with `context`, to the agency's supervisors, each in their language; the number of
    mails sent."""
    recipients = supervisors_of(agency_id)
    if exclude_user_id is not None:
        recipients = recipients.exclude(pk=exclude_user_id)
    sent = 0
    for recipient in recipients:
        with translation.override(recipient.language):
            if template:
                text = render_to_string(template, context)
            else:
                text = str(body) % {key: str(value) for key, value in context.items()}
            sent += send_mail(str(subject), text, None, [recipient.email], fail_silently=True)
    return sent
