"""Dates as Berlin's offices write them, in both languages of the portal: typed and shown
as 03.07.1985 (ISO 2026-12-04 is accepted too, for links and files)."""

from django.conf.locale.de.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
