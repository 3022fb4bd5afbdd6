from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Membership, User
from agencies.services import membership_sync_groups


class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    max_num = 1
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug"]
    readonly_fields = ["group"]

    def save_model(self, request, obj, form, change):
        if not change:
            from django.contrib.auth.models import Group

            obj.group, _created = Group.objects.get_or_create(name=f"agency:{obj.slug}")
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["agency", "role"]
    list_select_related = ["user", "agency"]
    search_fields = ["user__username", "user__last_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        membership_sync_groups(user=obj.user)
