"""Admin of the organisation: agencies, staff, memberships, legal bases, purpose profiles."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, LegalBasis, Membership, PurposeProfile, User
from agencies.services import membership_sync_groups
from core.sections import SECTIONS, section_labels
from web.admin.mixins import PermissionChangeAuditMixin


class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    max_num = 1
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(PermissionChangeAuditMixin, BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "agency", "role", "is_active"]
    list_filter = ["membership__agency", "membership__role", "is_active", "is_staff"]
    list_select_related = ["membership__agency"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ["language"]}),
    ]

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
        fields = ["kind", "sections", "purpose"]


@admin.register(PurposeProfile)
class PurposeProfileAdmin(PermissionChangeAuditMixin, admin.ModelAdmin):
    form = PurposeProfileForm
    list_display = ["kind", "section_labels", "purpose"]

    @admin.display(description=_("sections"))
    def section_labels(self, profile: PurposeProfile) -> str:
        return section_labels(profile.sections)
