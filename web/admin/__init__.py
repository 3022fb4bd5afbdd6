"""The Django admin of every app, registered here because admin pages are pages: reads
of personal data are audited and permission changes recorded (`web.admin.mixins`)."""

from web.admin import access, audit, organisation, records  # noqa: F401 - registers the admins
