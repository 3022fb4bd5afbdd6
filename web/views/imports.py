"""Client import for agency admins: upload a CSV, watch it run in the background, see what
was imported, imported with remarks, and rejected; on the record page, the importing
agency resolves a remark."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import policy
from access.guards import get_client_for, record_denied, staff_required
from audit.models import AuditEvent
from audit.services import audit_record
from jobs.queue import enqueue_import
from workflows.imports import remarks
from workflows.imports.forms import ClientImportForm, ImportRemarkResolveForm
from workflows.imports.models import ClientImport
from workflows.imports.parsing import COLUMNS, ImportFileError

RECENT_RUNS = 10
ERRORS_SHOWN = 1000  # a file of nothing but bad rows must not make a page of 100,000


@transaction.non_atomic_requests
def client_import(request: HttpRequest) -> HttpResponse:
    """An admin's upload is recorded and handed to a worker (jobs.queue); the result page
    shows its progress. It runs outside the request transaction: where there is no queue
    the import runs in the request and commits chunk by chunk (with its audit events), so
    an upload that breaks off keeps what was written and the same file uploaded again
    continues. Everything else (the form, refusals and their audit events) runs in one
    transaction as usual."""
    if request.method == "POST" and policy.may_import(request.user):
        return _client_import(request)
    with transaction.atomic():
        return _client_import(request)


@staff_required(may=policy.may_import)
def _client_import(request: HttpRequest) -> HttpResponse:
    form = ClientImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = enqueue_import(
                agency=request.membership.agency,
                actor=request.user,
                data=upload.read(),
                file_name=upload.name,
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect("clients:client-import-detail", pk=run.pk)
    runs = ClientImport.objects.filter(agency=request.membership.agency).order_by("-pk")[
        :RECENT_RUNS
    ]
    context = {"form": form, "columns": ",".join(COLUMNS), "runs": runs}
    return render(request, "imports/clientimport_form.html", context)


@staff_required
def client_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # 404 (not 403) for anyone but the agency's admins, like every page with an id.
    run = (
        ClientImport.objects.filter(pk=pk, agency=request.membership.agency)
        .select_related("started_by", "continued_from")
        .first()
    )
    if run is None or not policy.may_see_import(request.user, run):
        record_denied(request, "imports.clientimport", pk)
        raise Http404
    if request.htmx and request.GET.get("progress"):
        return _client_import_progress(request, run)
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        obj=run,
        fields=["row_errors", "remarks"],
    )
    remarked = remarks.rows_with_remarks(run, limit=ERRORS_SHOWN)
    errors = run.row_errors[:ERRORS_SHOWN]
    context = {
        "run": run,
        "continued_by": ClientImport.objects.filter(continued_from=run).first(),
        "errors": errors,
        "errors_not_shown": max(run.rows_rejected - len(errors), 0),
        "remarked": remarked,
        "remarked_not_shown": max(run.rows_with_remarks - len(remarked), 0),
    }
    return render(request, "imports/clientimport_detail.html", context)


def _client_import_progress(request: HttpRequest, run: ClientImport) -> HttpResponse:
    """The progress bar, polled by the result page while the run is in progress (counts
    only, so not audited); once the run has finished or stopped, the page reloads and
    shows its result."""
    if not run.in_progress:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/includes/progress.html", {"run": run})


@staff_required(may=policy.may_resolve_import_remarks)
@require_POST
def import_remark_resolve(request: HttpRequest, pk: int, remark_pk: int) -> HttpResponse:
    """One of a remark's two buttons on the record page: corrected, or dismissed."""
    client = get_client_for(request, pk)
    remark = remarks.remark_for(request.user, client, remark_pk)
    if remark is None or not policy.may_resolve_import_remark(request.user, client, remark):
        record_denied(request, "imports.importremark", remark_pk)
        raise Http404
    form = ImportRemarkResolveForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Choose whether the record was corrected or the remark is dismissed.")
        )
    elif remarks.remark_resolve(
        remark=remark, actor=request.user, resolution=form.cleaned_data["resolution"]
    ):
        messages.success(request, _("The import remark has been resolved."))
    else:
        messages.info(request, _("This import remark had been resolved already."))
    return redirect(reverse("clients:client-detail", args=[pk]) + "#import-remarks")
