"""WSGI entry point for the registration portal."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registration_portal.settings")

application = get_wsgi_application()
