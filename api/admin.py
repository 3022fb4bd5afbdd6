"""Admin of agency systems' credentials: an agency admin sees and manages the API
clients and keys of their own agency only (superusers: every agency's). A key's secret
is shown once, in a message after creating a client, issuing or rotating a key; only its
hash is stored. Keys are revoked, never deleted (the audit log names them)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from access import policy
from agencies.models import Agency
from agencies.selectors import agency_for
from api import services, webhooks
from api.models import ApiClient, ApiKey, WebhookDelivery, WebhookEndpoint
from audit.models import AuditEvent
from audit.services import audit_record


def _may(request: HttpRequest) -> bool:
    return policy.may_manage_api_clients(request.user)


def _all_agencies(request: HttpRequest) -> bool:
    return policy.may_manage_every_agencys_api_clients(request.user)


def _show_once(request: HttpRequest, key: ApiKey, secret: str) -> None:
    messages.warning(
        request,
        format_html(
            "{} <code data-api-key>{}</code> {}",
            _("New API key for %(client)s:") % {"client": key.api_client},
            secret,
            _("Copy it now: it is shown only once and cannot be recovered."),
        ),
    )


class _AgencyScopedAdmin(admin.ModelAdmin):
    agency_path = "agency"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _all_agencies(request):
            return queryset
        agency = agency_for(request.user)
        if agency is None:
            return queryset.none()
        return queryset.filter(**{self.agency_path: agency})

    def has_module_permission(self, request) -> bool:
        return _may(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _may(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _may(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the audit log refers to clients and keys


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fk_name = "api_client"
    extra = 0
    can_delete = False
    fields = ["__str__", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return _may(request)


@admin.register(ApiClient)
class ApiClientAdmin(_AgencyScopedAdmin):
    list_display = ["name", "agency", "role", "created_at"]
    list_filter = ["role"]
    inlines = [ApiKeyInline]
    actions = ["issue_key"]

    def has_add_permission(self, request) -> bool:
        return _may(request)

    def get_inlines(self, request, obj=None):
        return self.inlines if obj is not None else []  # a new client has no keys yet

    def get_fields(self, request, obj=None):
        if _all_agencies(request):
            return ["name", "agency", "role"]
        return ["name", "role"]  # an agency admin's own agency

    def get_readonly_fields(self, request, obj=None):
        # The role is the technical user's membership: a system with another role is
        # another client (with its own key).
        return ["agency", "role"] if obj is not None else []

    def save_model(self, request, obj: ApiClient, form, change: bool) -> None:
        if change:
            ApiClient.objects.filter(pk=obj.pk).update(name=obj.name)
            return
        agency = obj.agency if _all_agencies(request) else agency_for(request.user)
        created = services.api_client_create(
            agency=agency, name=obj.name, role=obj.role, actor=request.user
        )
        # The admin goes on with `obj` (its log entry, the redirect): make it the row.
        obj.pk, obj.agency, obj.user = created.pk, created.agency, created.user
        obj.created_at = created.created_at
        obj._state.adding = False
        key, secret = services.api_key_issue(api_client=created, actor=request.user)
        _show_once(request, key, secret)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "agency" in form.base_fields:
            form.base_fields["agency"].queryset = Agency.objects.filter(is_active=True)
        return form

    @admin.action(description=_("Issue a new key for the selected API clients"))
    def issue_key(self, request, queryset):
        for api_client in queryset:
            key, secret = services.api_key_issue(api_client=api_client, actor=request.user)
            _show_once(request, key, secret)


@admin.register(ApiKey)
class ApiKeyAdmin(_AgencyScopedAdmin):
    agency_path = "api_client__agency"
    list_display = [
        "__str__",
        "api_client",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "rate_per_minute",
        "valid",
    ]
    list_select_related = ["api_client__agency"]
    fields = [
        "api_client",
        "created_at",
        "expires_at",
        "rate_per_minute",
        "revoked_at",
        "last_used_at",
        "replaced_by",
    ]
    readonly_fields = ["api_client", "created_at", "revoked_at", "last_used_at", "replaced_by"]
    actions = ["rotate_keys", "revoke_keys"]

    def has_add_permission(self, request) -> bool:
        return False  # issued from the API client (the secret is shown once there)

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.PERMISSION_CHANGE,
            obj=obj,
            fields=list(form.changed_data),
        )

    @admin.display(description=_("valid"), boolean=True)
    def valid(self, key: ApiKey) -> bool:
        return key.is_valid

    @admin.action(description=_("Rotate the selected keys (the old ones keep working briefly)"))
    def rotate_keys(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True, replaced_by__isnull=True):
            new_key, secret = services.api_key_rotate(key=key, actor=request.user)
            _show_once(request, new_key, secret)

    @admin.action(description=_("Revoke the selected keys now"))
    def revoke_keys(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(key=key, actor=request.user)
        self.message_user(request, _("The keys have been revoked."), messages.SUCCESS)


# --- Webhooks (api.webhooks): endpoints per API client, the delivery log read-only -------


class WebhookEndpointForm(forms.ModelForm):
    class Meta:
        model = WebhookEndpoint
        fields = ["api_client", "url", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not webhooks.url_allowed(url):
            raise forms.ValidationError(
                _("Only http(s) addresses of hosts the operator allowed can be called.")
            )
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_AgencyScopedAdmin):
    agency_path = "api_client__agency"
    form = WebhookEndpointForm
    list_display = ["__str__", "api_client", "url", "is_active", "created_at"]
    list_select_related = ["api_client__agency"]
    readonly_fields = ["secret", "cursor", "created_at"]

    def has_add_permission(self, request) -> bool:
        return _may(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "api_client" in form.base_fields:
            clients = ApiClient.objects.all()
            if not _all_agencies(request):
                clients = clients.filter(agency=agency_for(request.user))
            form.base_fields["api_client"].queryset = clients
        return form

    def get_readonly_fields(self, request, obj=None):
        # The secret signs the messages: shown to configure the receiver, made here.
        return [*self.readonly_fields, "api_client"] if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["api_client", "url"]
        return ["api_client", "url", "is_active", "secret", "cursor", "created_at"]

    def save_model(self, request, obj: WebhookEndpoint, form, change: bool) -> None:
        if not change:
            created = webhooks.webhook_endpoint_create(api_client=obj.api_client, url=obj.url)
            obj.pk, obj.secret, obj.cursor = created.pk, created.secret, created.cursor
            obj.created_at, obj._state.adding = created.created_at, False
        else:
            obj.save(update_fields=["url", "is_active"])
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.PERMISSION_CHANGE,
            obj=obj,
            fields=list(form.changed_data),
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_AgencyScopedAdmin):
    """The delivery log: what was sent when, and what came back (read-only)."""

    agency_path = "endpoint__api_client__agency"
    list_display = [
        "__str__",
        "endpoint",
        "cursor_from",
        "cursor",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_try_at",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["endpoint__api_client__agency"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
