"""Run inside the portal (`manage.py shell -c`) on the scratch database by tools/scan/run.py.

Gives each scan account an authenticator (a confirmed TOTP device), so that the scanner
signs in as a real user does with the second factor enforced, and prints as JSON what
run.py needs: the TOTP keys and ids of a record and an agency for the parameterised
endpoints. Never run against a database that matters.
"""

import json
import sys

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, User
from clients.models import Client

if "scan" not in settings.DATABASES["default"]["NAME"]:
    sys.exit("prepare.py runs only on a scratch database whose name contains 'scan'.")

USERS = ("laf.caseworker", "laf.supervisor")
keys = {}
for username in USERS:
    user = User.objects.get(username=username)
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="scan", confirmed=True)
    keys[username] = device.key

laf = Agency.objects.get(slug="laf")
record = Client.objects.filter(registered_by=laf, merged_into__isnull=True).order_by("pk").first()
print(
    "SCAN-PREPARE "
    + json.dumps(
        {
            "totp": keys,
            "client": record.pk,
            "agency": Agency.objects.get(slug="lea").pk,
        }
    )
)
