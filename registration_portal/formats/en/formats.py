"""The English interface keeps the German way of writing dates (03.07.1985): the
caseworkers' documents, files and colleagues all write them so, and one format
everywhere avoids reading 03/07 as March 7th."""

from django.conf.locale.en.formats import *  # noqa: F403

from registration_portal.formats.de.formats import (  # noqa: F401
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
)

SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
