"""Admin of the organisation: agencies, staff, memberships, legal bases, purpose profiles;
and the staff's sign-in: unlock, end sessions, reset the second factor (web.signin)."""

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, LegalBasis, Membership, PurposeProfile, User
from agencies.services import membership_sync_groups
from core.sections import SECTIONS, section_labels
from web.admin.mixins import PermissionChangeAuditMixin, ReadOnlyAdminMixin
from web.signin.lockout import locked_usernames, unlock
from web.signin.second_factor import second_factor_reset
from web.signin.sessions import sessions_end_others


class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    max_num = 1
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(PermissionChangeAuditMixin, BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "agency",
        "role",
        "is_active",
        "locked_out",
    ]
    list_filter = ["membership__agency", "membership__role", "is_active", "is_staff"]
    list_select_related = ["membership__agency"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ["language"]}),
    ]
    actions = ["unlock_sign_in", "end_sessions", "reset_second_factor"]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:  # one query for the page's "locked" column
            self._locked = locked_usernames(u.get_username() for u in changelist.result_list)
        return response

    @admin.display(description=_("locked out"), boolean=True)
    def locked_out(self, user: User) -> bool:
        return user.get_username() in getattr(self, "_locked", set())

    @admin.action(description=_("Unlock sign-in of the selected users"))
    def unlock_sign_in(self, request, queryset):
        for user in queryset:
            unlock(actor=request.user, user=user)
        self.message_user(request, _("Sign-in unlocked."), messages.SUCCESS)

    @admin.action(description=_("End all sessions of the selected users"))
    def end_sessions(self, request, queryset):
        for user in queryset:
            sessions_end_others(actor=request.user, user=user, keep=None)
        self.message_user(request, _("Their sessions have been ended."), messages.SUCCESS)

    @admin.action(description=_("Reset the second factor of the selected users"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor_reset(actor=request.user, user=user)
            sessions_end_others(actor=request.user, user=user, keep=None)
        self.message_user(
            request,
            _("They set up a new authenticator app at their next sign-in."),
            messages.SUCCESS,
        )

    @admin.display(description=_("agency"), ordering="membership__agency__name")
    def agency(self, user: User) -> str:
        membership = user.membership_or_none
        return membership.agency.name if membership else "–"

    @admin.display(description=_("role"), ordering="membership__role")
    def role(self, user: User) -> str:
        membership = user.membership_or_none
        return membership.get_role_display() if membership else "–"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The membership decides the agency group; editing it here must move the user.
        membership_sync_groups(user=form.instance)


@admin.register(Agency)
class AgencyAdmin(PermissionChangeAuditMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug"]
    readonly_fields = ["group"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.group, _created = Group.objects.get_or_create(name=f"agency:{obj.slug}")
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(PermissionChangeAuditMixin, admin.ModelAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["agency", "role"]
    list_select_related = ["user", "agency"]
    search_fields = ["user__username", "user__last_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        membership_sync_groups(user=obj.user)


@admin.register(LegalBasis)
class LegalBasisAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "is_consent", "is_active"]
    list_filter = ["is_consent", "is_active"]
    search_fields = ["title", "code"]


class PurposeProfileForm(forms.ModelForm):
    sections = forms.MultipleChoiceField(
        label=_("sections"),
        choices=[(slug, section.label) for slug, section in SECTIONS.items()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PurposeProfile
        fields = ["kind", "sections", "purpose_de", "purpose"]


@admin.register(PurposeProfile)
class PurposeProfileAdmin(PermissionChangeAuditMixin, admin.ModelAdmin):
    form = PurposeProfileForm
    list_display = ["kind", "section_labels", "purpose_de", "purpose"]

    @admin.display(description=_("sections"))
    def section_labels(self, profile: PurposeProfile) -> str:
        return section_labels(profile.sections)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(PermissionChangeAuditMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Failed sign-ins counted towards a lockout (django-axes), per account (or the
    fingerprint of a name that is no account) and address. Deleting rows unlocks; it is
    audited like every permission change."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    fields = ["username", "ip_address", "user_agent", "failures_since_start", "attempt_time"]

    def has_delete_permission(self, request, obj=None):
        return super(ReadOnlyAdminMixin, self).has_delete_permission(request, obj)


# The authenticator apps' secrets are nobody's business in the admin (django-otp's own
# admin shows their QR codes); an admin resets a user's second factor instead.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
