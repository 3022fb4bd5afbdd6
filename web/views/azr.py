"""AZR / XAusländer alignment on the pages (issue 14): a record's export in the AZR
shape (JSON or XML), and the intake form pre-filled from such a file, with the duplicate
check run on the pre-filled values. Shaping and reading the file: `workflows.azr`."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from access import policy, selectors
from access.guards import clients_shown, get_client_for, staff_required
from access.throttle import throttled
from audit.models import AuditEvent
from audit.services import audit_record
from clients.forms import ClientForm, OptionalDocumentForm
from web.views.intake import RegistrationGate
from workflows.azr import render as azr_render
from workflows.azr.export import azr_record
from workflows.azr.forms import AzrFileForm
from workflows.azr.parse import check_data
from workflows.intake.check import intake_check
from workflows.intake.forms import DuplicateCheckForm, IntakeTokenForm

EXPORT_CODE = "azr_export"
FORMATS = {
    "json": (azr_render.as_json, "application/json"),
    "xml": (azr_render.as_xml, "application/xml"),
}


@staff_required
def client_azr_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The record in the AZR shape, as a download: only the sections the reader's agency
    holds. Audited as a read (the guard) and as an export naming sections and format."""
    fmt = request.GET.get("format", "json")
    if fmt not in FORMATS:
        fmt = "json"
    client = get_client_for(request, pk, purpose=EXPORT_CODE)
    if client.merged_into_id is not None:
        # A merged record only points to its survivor: the survivor is the person's data.
        survivor = selectors.survivor_visible_to(request.user, pk)
        if survivor is None:
            raise Http404
        return redirect(f"{reverse('clients:client-azr-export', args=[survivor.pk])}?format={fmt}")
    members = []
    if "household" in client.access.view and client.household_id:
        members = [
            m for m in selectors.household_members(request.user, client) if m.pk != client.pk
        ]
        clients_shown(
            request, members, fields=["identity", EXPORT_CODE], action=AuditEvent.Action.EXPORT
        )
    record = azr_record(client, agency_name=request.membership.agency.name, members=members)
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        obj=client,
        fields=[*record["abschnitte"], EXPORT_CODE, fmt],
    )
    to_bytes, content_type = FORMATS[fmt]
    response = HttpResponse(to_bytes(record), content_type=f"{content_type}; charset=utf-8")
    # The record id only: no name in a file name (downloads folders, proxies' logs).
    response["Content-Disposition"] = f'attachment; filename="azr-{client.pk}.{fmt}"'
    return response


@staff_required(may=policy.may_register)
@require_POST
@throttled("lookup")
def client_prefill_azr(request: HttpRequest) -> HttpResponse:
    """The intake form, pre-filled from an uploaded AZR file; nothing is saved. What the
    caseworker had typed stays where the file has no value (and entirely when the file
    is refused). The duplicate check runs on the result, rendered beside the form."""
    typed_form = ClientForm()
    typed = _typed_values(request, typed_form)
    typed_document = _typed_values(request, OptionalDocumentForm(prefix="doc"))
    azr_form = AzrFileForm(request.POST, request.FILES)
    initial, document = typed, typed_document
    if azr_form.is_valid():
        prefill = azr_form.cleaned_data["azr_file"]
        initial = {**typed, **prefill.fields}
        if prefill.documents:
            document = prefill.documents[0]
        messages.success(
            request,
            _("The form has been pre-filled from the file: check every field, then register."),
        )
        for note in prefill.notes:
            messages.warning(request, note)
        if len(prefill.documents) > 1:
            extra = len(prefill.documents) - 1
            messages.info(
                request,
                ngettext(
                    "The file holds %(count)d further document: add it on the record "
                    "after registering.",
                    "The file holds %(count)d further documents: add them on the record "
                    "after registering.",
                    extra,
                )
                % {"count": extra},
            )
    check = DuplicateCheckForm(check_data(initial, document))
    matches = (
        intake_check(user=request.user, record=check.match_record()) if check.has_enough() else None
    )
    context = {
        "form": ClientForm(initial=initial),
        "document_form": OptionalDocumentForm(initial=document, prefix="doc"),
        "token_form": IntakeTokenForm(),
        "gate": RegistrationGate(matches, None) if matches is not None else None,
        "azr_form": azr_form,
    }
    return render(request, "clients/client_form.html", context)


def _typed_values(request: HttpRequest, form) -> dict:
    """What the page sent for each of the form's fields, as initial values."""
    values = {}
    for name, field in form.fields.items():
        value = field.widget.value_from_datadict(request.POST, request.FILES, form.add_prefix(name))
        if value not in (None, "", []):
            values[name] = value
    return values
