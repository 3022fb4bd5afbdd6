"""A record laid out for paper: the sections the reader's agency may see, nothing else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from access import policy, selectors
from access.guards import clients_shown, get_client_for, staff_required
from core.sections import SECTIONS


@staff_required
def client_print(request: HttpRequest, pk: int) -> HttpResponse:
    # Audited as a read of the sections shown, marked "print".
    client = get_client_for(request, pk, purpose="print")
    shown = client.access.view
    members = (
        list(selectors.household_members(request.user, client)) if "household" in shown else []
    )
    clients_shown(request, members, fields=["household", "print"])
    context = {
        "client": client,
        "sections": SECTIONS,
        "members": members,
        "documents": client.documents.all() if "documents" in shown else [],
        # A note belongs to the agency that wrote it: the same notes as the record page.
        "case_notes": policy.case_notes_visible_to(
            request.user, client, client.case_notes.select_related("agency", "author")
        ),
        "printed_at": timezone.localtime(),
        "agency": request.membership.agency,
    }
    return render(request, "clients/client_print.html", context)
