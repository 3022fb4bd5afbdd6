"""A handover proposes the receiving agency's usual purpose in the caseworker's language:
a German caseworker is never offered, and so never stores in a grant, an English text."""

import pytest
from django.urls import reverse

from agencies.models import PurposeProfile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "purpose"),
    [
        ("de", "Leistungen nach dem AsylbLG oder dem SGB XII"),
        ("en", "Benefits under the AsylbLG or SGB XII"),
    ],
)
def test_the_usual_purpose_is_proposed_in_the_caseworkers_language(
    client, legal_bases, olena, laf_caseworker, sozialamt, language, purpose
):
    laf_caseworker.language = language
    laf_caseworker.save(update_fields=["language"])
    client.force_login(laf_caseworker)
    url = reverse("clients:client-handover", args=[olena.pk])
    response = client.get(url, {"agency": sozialamt.pk})
    assert response.context["form"].initial["purpose"] == purpose


def test_a_profile_kept_in_one_language_is_proposed_in_that_one():
    profile = PurposeProfile(purpose="", purpose_de="Beratung")
    assert profile.purpose_in("en") == "Beratung"
    assert PurposeProfile(purpose="Counselling").purpose_in("de") == "Counselling"
