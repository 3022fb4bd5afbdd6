"""Client import for agency admins: upload a CSV, see what was imported and what was not."""

from __future__ import annotations

from functools import wraps

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies import access
from agencies.decorators import agency_member_required
from agencies.models import Membership
from audit.models import AuditEvent
from audit.services import audit_record
from clients.imports import COLUMNS, ImportFileError, client_import_run
from clients.models import ClientImport

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
RECENT_RUNS = 10
ERRORS_SHOWN = 1000  # a file of nothing but bad rows must not make a page of 100,000


class ClientImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8, separated by commas or semicolons, at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is larger than 20 MB. Split it into several files; rows "
                    "already imported are skipped, so the parts may overlap."
                )
            )
        return upload


def agency_admin_required(view):
    """Agency admins only; other staff get 403, the refusal is recorded."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.membership.role != Membership.Role.AGENCY_ADMIN:
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.VIEW,
                object_type="page",
                object_id=request.resolver_match.view_name,
                outcome=AuditEvent.Outcome.DENIED,
            )
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@transaction.non_atomic_requests
def client_import(request: HttpRequest) -> HttpResponse:
    """An admin's upload runs outside the request transaction: the import commits chunk
    by chunk (with its audit events), so an upload that breaks off keeps what was
    written and the same file uploaded again continues. Everything else (the form,
    refusals and their audit events) runs in one transaction as usual."""
    membership = access.membership_for(request.user)
    if request.method == "POST" and membership and membership.role == Membership.Role.AGENCY_ADMIN:
        return _client_import(request)
    with transaction.atomic():
        return _client_import(request)


@agency_member_required
@agency_admin_required
def _client_import(request: HttpRequest) -> HttpResponse:
    form = ClientImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = client_import_run(
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
    return render(request, "clients/clientimport_form.html", context)


@agency_member_required
def client_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # 404 (not 403) for anyone but the agency's admins, like every page with an id.
    run = (
        ClientImport.objects.filter(pk=pk, agency=request.membership.agency)
        .select_related("started_by")
        .first()
    )
    if run is None or request.membership.role != Membership.Role.AGENCY_ADMIN:
        access.record_denied(request, "clients.clientimport", pk)
        raise Http404
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, obj=run, fields=["row_errors"])
    context = {
        "run": run,
        "errors": run.row_errors[:ERRORS_SHOWN],
        "errors_not_shown": max(len(run.row_errors) - ERRORS_SHOWN, 0),
    }
    return render(request, "clients/clientimport_detail.html", context)
