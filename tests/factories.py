"""factory_boy factories. Clients and agencies are made through the services, as in the app."""

from __future__ import annotations

import factory
from faker import Faker

from agencies import services as agency_services
from agencies.models import Agency, User
from clients import services as client_services
from clients.models import Client, IdentityDocument
from core.dates import PartialDate
from workflows.intake import services as intake_services

ukrainian = Faker("uk_UA")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    kind = Agency.Kind.REFUGEE_OFFICE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return agency_services.agency_create(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    password = factory.PostGenerationMethodCall("set_password", "secret-test-password")

    @factory.post_generation
    def agency(self, create, extracted, **kwargs):
        if create and extracted is not None:
            agency_services.membership_set(
                user=self, agency=extracted, role=kwargs.get("role", "caseworker")
            )
        self.save()


class ClientFactory(factory.django.DjangoModelFactory):
    """Pass `agency=` (who registers) and optionally `actor=`."""

    class Meta:
        model = Client

    family_name = factory.LazyFunction(lambda: ukrainian.last_name())
    given_names = factory.LazyFunction(lambda: ukrainian.first_name())
    sex = "u"
    birth_date = factory.LazyFunction(lambda: PartialDate(1985, 7, 3))
    nationalities = factory.LazyFunction(lambda: ["UA"])

    @classmethod
    def _create(cls, model_class, *args, agency, actor=None, **kwargs):
        return intake_services.client_register(agency=agency, actor=actor, fields=kwargs)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdentityDocument

    doc_type = "passport"
    number = factory.Sequence(lambda n: f"FA{n:06d}")
    issuing_country = "UA"

    @classmethod
    def _create(cls, model_class, *args, client, actor=None, **kwargs):
        return client_services.document_add(client=client, actor=actor, fields=kwargs)
