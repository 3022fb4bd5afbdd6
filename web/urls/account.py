"""The user's own account: how they sign in (second factor, password, sessions)."""

from django.urls import path

from web.views import account

app_name = "account"

urlpatterns = [
    path("", account.security, name="security"),
    path("two-factor/", account.two_factor_setup, name="two-factor-setup"),
    path("backup-codes/", account.backup_codes, name="backup-codes"),
    path("password/", account.password_change, name="password-change"),
    path("sessions/", account.session_list, name="session-list"),
    path("sessions/end/", account.session_end, name="session-end"),
    path("sessions/end-others/", account.sessions_end_others, name="sessions-end-others"),
]
