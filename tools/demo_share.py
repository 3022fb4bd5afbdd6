"""Demo handovers and access requests for `seed_demo`: some records shared, some waiting.

Everything goes through the real services, so the demo shows what the portal records:
grants with legal bases, inbox items, the journey of a person through the offices.
"""

from __future__ import annotations

import random

from agencies.models import Agency, LegalBasis, User
from clients.models import Client
from workflows.handover.services import (
    access_request_create,
    access_request_decide,
    handover_create,
    handover_decide,
)


def demo_share(*, agencies: dict[str, Agency], rng: random.Random) -> dict[str, int]:
    staff = {user.username: user for user in User.objects.filter(membership__isnull=False)}
    basis = {basis.code: basis for basis in LegalBasis.objects.all()}
    counts = {"accepted": 0, "pending": 0, "requests": 0}

    def user(slug: str, role: str) -> User:
        return staff[f"{slug}.{role}"]

    laf_heads = list(
        Client.objects.filter(registered_by=agencies["laf"], household_role__in=["", "head"])
        .order_by("pk")
        .select_related("household")
    )
    rng.shuffle(laf_heads)
    # LAF hands households over to the Sozialamt (AsylbLG); most are accepted.
    for index, head in enumerate(laf_heads[:16]):
        household = list(head.household.members.order_by("pk")) if head.household_id else [head]
        grants = handover_create(
            actor=user("laf", "caseworker"),
            clients=household,
            agency=agencies["sozialamt-mh"],
            sections=["contact", "residence", "documents", "household"],
            legal_basis=basis["asylblg-11"],
            purpose="Leistungen nach dem AsylbLG",
        )
        if index < 12:
            handover_decide(
                actor=user("sozialamt-mh", "caseworker"),
                handover_id=grants[0].handover_id,
                accept=True,
            )
            counts["accepted"] += len(grants)
        else:
            counts["pending"] += len(grants)
        # The change of benefit system: the Sozialamt hands on to the Jobcenter (SGB II).
        if index < 4:
            onward = handover_create(
                actor=user("sozialamt-mh", "caseworker"),
                clients=household,
                agency=agencies["jobcenter-mh"],
                sections=["contact", "residence", "documents", "household"],
                legal_basis=basis["sgb-ii-50"],
                purpose="Rechtskreiswechsel: Leistungen nach dem SGB II",
            )
            if index < 2:
                handover_decide(
                    actor=user("jobcenter-mh", "caseworker"),
                    handover_id=onward[0].handover_id,
                    accept=True,
                )
                counts["accepted"] += len(onward)
            else:
                counts["pending"] += len(onward)
    # Caritas asks for two records with the person's consent; one is already approved.
    for index, head in enumerate(laf_heads[16:18]):
        request = access_request_create(
            actor=user("caritas", "caseworker"),
            client=head,
            sections=["contact"],
            legal_basis=basis["consent"],
            legal_basis_note="Schriftliche Einwilligung liegt vor",
            purpose="Beratung zur Wohnungssuche",
        )
        counts["requests"] += 1
        if index == 0:
            access_request_decide(actor=user("laf", "supervisor"), request=request, approve=True)
    return counts
