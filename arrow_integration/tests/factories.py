"""factory_boy factories of the Arrow configuration objects (settings and mappings).

Settings built here are not checked against Arrow; pass `api_url`/`api_key` of the emulator
(`arrow_emulator.base_url`, `arrow_emulator.api_key`) when a test talks to it. The API key is set
through the model's encrypting property, as everywhere else.
"""

import factory

from arrow_integration.models import ArrowCustomerMapping, ArrowSettings, ArrowVendorOfferingMapping
from core.tests.factories import CustomerFactory, OfferingFactory

DEFAULT_TEST_API_URL = "http://127.0.0.1:9/index.php/api/"
DEFAULT_TEST_API_KEY = "test-arrow-key"


class ArrowSettingsFactory(factory.django.DjangoModelFactory):
    """Settings row; `api_key` goes through the model's encrypting property."""

    class Meta:
        model = ArrowSettings

    api_url = DEFAULT_TEST_API_URL
    api_key = DEFAULT_TEST_API_KEY
    partner_reference = factory.Sequence(lambda n: f"XSP{100000 + n}")
    partner_name = factory.Sequence(lambda n: f"Partner {n}")
    is_active = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # At most one active row: the newest active one wins, as through the services.
        if kwargs.get("is_active", True):
            model_class.objects.filter(is_active=True).update(is_active=False)
        return super()._create(model_class, *args, **kwargs)


class ArrowCustomerMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArrowCustomerMapping

    settings = factory.SubFactory(ArrowSettingsFactory)
    arrow_reference = factory.Sequence(lambda n: f"XSP{200000 + n}")
    arrow_company_name = factory.Sequence(lambda n: f"Arrow Company {n}")
    waldur_customer = factory.SubFactory(CustomerFactory)


class ArrowVendorOfferingMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArrowVendorOfferingMapping

    settings = factory.SubFactory(ArrowSettingsFactory)
    arrow_vendor_name = factory.Sequence(lambda n: f"Vendor {n}")
    offering = factory.SubFactory(OfferingFactory)
    plan = None
