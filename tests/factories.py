"""factory_boy factories. Every factory record is marked illustrative: synthetic data never
pretends to be a fact."""

import datetime as dt

import factory

from accessions import models as acc
from registry import models as reg
from registry.services import product_search_keys_refresh
from regulations import models as regs


class ProvenanceFactory(factory.django.DjangoModelFactory):
    source = "test fixture"
    confidence = "high"
    is_illustrative = True

    class Meta:
        abstract = True


class CountryFactory(ProvenanceFactory):
    class Meta:
        model = reg.Country
        django_get_or_create = ("iso2",)

    iso2 = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    iso3 = factory.LazyAttribute(lambda o: f"{o.iso2}X")
    name_en = factory.LazyAttribute(lambda o: f"Country {o.iso2}")
    name_zh = ""
    name_ru = ""
    region = "central_asia"


class UnionFactory(ProvenanceFactory):
    class Meta:
        model = reg.Union
        django_get_or_create = ("code",)

    code = "EAEU"
    name_en = "Eurasian Economic Union"
    kind = "economic_union"


class UnionMembershipFactory(ProvenanceFactory):
    class Meta:
        model = reg.UnionMembership

    union = factory.SubFactory(UnionFactory)
    country = factory.SubFactory(CountryFactory)
    role = "member"
    binding = True
    valid_from = dt.date(2015, 1, 1)


class ProductFactory(ProvenanceFactory):
    class Meta:
        model = reg.Product

    slug = factory.Sequence(lambda n: f"product-{n}")
    name_en = factory.Sequence(lambda n: f"Product {n}")
    name_zh = ""
    name_ru = ""
    category = "grain"
    origin_type = "plant"
    hs_code = factory.Sequence(lambda n: f"{100000 + n:06d}")
    hs_basis = "mapped"

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:  # the resolver finds a product by its stored search keys
            product_search_keys_refresh(products=[instance])


class ProductAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = reg.ProductAlias

    product = factory.SubFactory(ProductFactory)
    alias = factory.Sequence(lambda n: f"alias {n}")
    language = "en"
    kind = "name"

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:
            product_search_keys_refresh(products=[instance.product])


class PortFactory(ProvenanceFactory):
    class Meta:
        model = reg.Port

    code = factory.Sequence(lambda n: f"port-{n}")
    name_en = factory.Sequence(lambda n: f"Port {n}")
    facing_country = factory.SubFactory(CountryFactory)
    road = True


class PortRegimeFactory(ProvenanceFactory):
    class Meta:
        model = reg.PortRegime

    port = factory.SubFactory(PortFactory)
    regime = "7x12"
    valid_from = dt.date(2023, 1, 1)


class SupervisionSiteFactory(ProvenanceFactory):
    class Meta:
        model = reg.SupervisionSite

    port = factory.SubFactory(PortFactory)
    kind = "meat"
    valid_from = dt.date(2019, 1, 1)
    valid_from_precision = "year"


class ReportedSiteCountFactory(ProvenanceFactory):
    class Meta:
        model = reg.ReportedSiteCount

    kind = "meat"
    area = "Xinjiang"
    ports_reported = 3
    as_of = dt.date(2019, 12, 31)
    as_of_precision = "year"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = regs.Topic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")


class RegulationFactory(ProvenanceFactory):
    class Meta:
        model = regs.Regulation

    slug = factory.Sequence(lambda n: f"regulation-{n}")
    code = factory.Sequence(lambda n: f"TEST {n:03d}/2011")
    title_en = factory.Sequence(lambda n: f"Regulation {n}")
    kind = "technical_regulation"
    union = factory.SubFactory(UnionFactory)
    country = None
    status = "in_force"
    in_force_from = dt.date(2013, 7, 1)
    in_force_from_precision = "exact"


class RegulationProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = regs.RegulationProduct

    regulation = factory.SubFactory(RegulationFactory)
    product = factory.SubFactory(ProductFactory)
    source = "test fixture"
    confidence = "medium"


class MarketAccessFactory(ProvenanceFactory):
    class Meta:
        model = acc.MarketAccess
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    country = factory.SubFactory(CountryFactory)
    status = "in_force"
    instrument_kind = "announcement"
    instrument_ref = factory.Sequence(lambda n: f"TEST 2023 No.{n}")
    instrument_date = dt.date(2023, 6, 13)
    instrument_date_precision = "exact"
    valid_from = dt.date(2023, 6, 13)
    valid_from_precision = "exact"
    requires_registered_establishments = False
    registered_establishments_basis = "instrument"

    @factory.post_generation
    def states(obj, create, extracted, **kwargs):  # noqa: N805
        """The series from the entry's own dates, as every service that writes an entry does
        (accessions.validity.access_states_sync); `states=[dict(...)]` adds recorded states. A
        status of suspended or revoked given without states is recorded as a state from today,
        as the migration to dated states converts such a status."""
        if not create:
            return
        from django.utils import timezone

        from accessions.validity import access_states_sync

        today = timezone.localdate()
        recorded = list(extracted or [])
        if not recorded and obj.status in ("suspended", "revoked"):
            recorded = [{"kind": obj.status, "starts_on": today}]
        for values in recorded:
            acc.AccessState.objects.create(
                market_access=obj, **{"source": "test fixture", "confidence": "high", **values}
            )
        # The kept status is left as given: tests date "today" themselves (the sweep's today).
        access_states_sync(obj, today=None)


class DiplomaticEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = acc.DiplomaticEvent

    slug = factory.Sequence(lambda n: f"event-{n}")
    name_en = factory.Sequence(lambda n: f"Event {n}")
    source = "test fixture"
    confidence = "high"


class AccessionFactory(ProvenanceFactory):
    class Meta:
        model = acc.Accession

    market_access = factory.SubFactory(MarketAccessFactory)
    year = 2023
    basis = "found"


class AccessionStageFactory(ProvenanceFactory):
    class Meta:
        model = acc.AccessionStage

    accession = factory.SubFactory(AccessionFactory)
    stage = "announcement"
    occurred_on = dt.date(2023, 6, 13)
    occurred_on_precision = "exact"


class RegistrationRegimeFactory(ProvenanceFactory):
    class Meta:
        model = acc.RegistrationRegime
        django_get_or_create = ("code",)

    code = "decree-248"
    name_en = "GACC Decree 248"
    valid_from = dt.date(2022, 1, 1)
    valid_until = dt.date(2026, 5, 31)
    validity_years = 5
    window_min_months = 3
    window_max_months = 6


class EstablishmentRegistrationFactory(ProvenanceFactory):
    class Meta:
        model = acc.EstablishmentRegistration
        skip_postgeneration_save = True

    registration_number = factory.Sequence(lambda n: f"CKAZ0101220101{n:04d}")
    name = factory.Sequence(lambda n: f"Illustrative Establishment {n}")
    country = factory.SubFactory(CountryFactory)
    registered_on = dt.date(2022, 1, 1)
    valid_until = dt.date(2026, 12, 31)
    status = "registered"
    # A suspension or cancellation is dated (the constraint registration_stop_is_dated): in a
    # fixture, from the day of registration unless the test says otherwise.
    stopped_on = factory.LazyAttribute(
        lambda o: o.registered_on if o.status in ("suspended", "cancelled") else None
    )
    regime = factory.SubFactory(RegistrationRegimeFactory)

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if create and extracted:
            self.products.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    """An account, with a role when given one: `UserFactory(role="inspector")` (trader,
    inspector, senior_inspector or administrator), given by the role service itself
    (accounts.roles.role_assign: the group, staff status for the roles that work in the admin)."""

    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("pw-factory-1")

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            from accounts.roles import role_assign

            role_assign(user=obj, role=extracted)


def series_write(entry, generated):
    """Write generated states (kind, start, limited_to) as the entry's whole series: one state
    per kind and dated start (the unique constraint; undated states of one kind may repeat)."""
    acc.AccessState.objects.filter(market_access=entry).delete()
    seen, rows = set(), []
    for kind, starts_on, limited_to in generated:
        if starts_on is not None and (kind, starts_on) in seen:
            continue
        seen.add((kind, starts_on))
        rows.append(
            acc.AccessState(
                market_access=entry,
                kind=kind,
                starts_on=starts_on,
                limited_to=limited_to,
                source="generated",
                confidence="high",
            )
        )
    acc.AccessState.objects.bulk_create(rows)
    return list(acc.AccessState.objects.filter(market_access=entry))
