"""Finding 1: no server-side request forgery through webhooks. A subscriber-chosen URL never makes
the registry talk to itself or its neighbours: refused at subscription, re-checked at each
delivery (DNS can change), no redirects followed, the checked address is the one connected to,
and the subscriber sees a failure class, never the error text of a connection."""

import datetime as dt
import ipaddress
import socket

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accessions import outbox
from accessions.models import EventKind
from notifications import outbound, services, subscriptions, webhook_tests
from notifications.models import Delivery, Subscription
from registry.errors import DomainError
from tests.factories import CountryFactory, EstablishmentRegistrationFactory, ProductFactory
from tests.security.conftest import Listener

PUBLIC = "93.184.215.14"


@pytest.fixture
def trader(django_user_model):
    from accounts.roles import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user(
        "trader", email="trader@example.org", password="pw-trader-1"
    )
    user.groups.add(Group.objects.get(name="trader"))
    return user


@pytest.fixture
def registration(db):
    kz = CountryFactory(iso2="KZ", iso3="KAZ")
    maize = ProductFactory(slug="maize", hs_code="100590")
    return EstablishmentRegistrationFactory(
        registration_number="CKAZ01012201010001", country=kz, products=[maize]
    )


@pytest.fixture
def dns(monkeypatch):
    """The outbound resolver, as the DNS would answer (DNS leaves the machine: faked here)."""
    answers: dict[str, list[str]] = {}
    lookups: list[str] = []
    real = outbound.resolve_host

    def resolve(host, port):
        lookups.append(host)
        if host in answers:
            return [ipaddress.ip_address(a) for a in answers[host]]
        return real(host, port)

    monkeypatch.setattr(outbound, "resolve_host", resolve)
    resolve.answers = answers  # type: ignore[attr-defined]
    resolve.lookups = lookups  # type: ignore[attr-defined]
    return resolve


def event_for(registration):
    return outbox.event_record(
        kind=EventKind.EXPIRED,
        occurred_on=dt.date(2026, 6, 1),
        registration=registration,
        status_from="renewal_due",
        status_to="expired",
    )


BLOCKED_ADDRESSES = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",  # noqa: S104 - an address refused, not bound
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared (carrier-grade NAT)
    "192.0.0.8",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",  # metadata over IPv6
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2001:db8::1",  # documentation
    # Issue 27: site-local IPv6 (deprecated, still routed inside sites) passed the filter.
    "fec0::1",
    "feff:ffff::1",
    "64:ff9b::fec0:1",  # NAT64 over an address that is itself not global
    "2002:a00:1::",  # 6to4 of 10.0.0.1
    "::ffff:100.64.0.1",
    "3fff::1",  # documentation (RFC 9637)
    "::a00:1",  # IPv4-compatible (deprecated) form of 10.0.0.1
]


@pytest.mark.parametrize("address", BLOCKED_ADDRESSES)
def test_internal_addresses_are_not_public(address):
    assert not outbound.address_is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_public(address):
    assert outbound.address_is_public(ipaddress.ip_address(address))


REFUSED_URLS = [
    "https://[fec0::1]/hook",
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://[::1]/hook",
    "https://0.0.0.0/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.1/hook",
    "https://100.64.0.1/hook",
    "https://224.0.0.1/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:a9fe:a9fe]/hook",
    "https://[64:ff9b::7f00:1]/hook",
    "https://[fe80::1]/hook",
    "https://[fc00::1]/hook",
    "https://127.1/hook",
    "https://2130706433/hook",
    "https://0x7f000001/hook",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://metadata.example.com/",  # a public-looking name that resolves inside
    "https://mixed.example.com/",  # one public and one private address: refused
    "http://example.org/hook",  # http only where a development setting allows it
    "https://example.org:5432/",  # a database port
    "https://example.org:6379/",
    "https://user:pw@example.org/",
    "https://no-such-host.invalid/",
    "ftp://example.org/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_subscription_to_an_unsafe_target_is_refused(trader, registration, dns, url):
    dns.answers["metadata.google.internal"] = ["169.254.169.254"]
    dns.answers["metadata.example.com"] = ["10.0.0.5"]
    dns.answers["mixed.example.com"] = [PUBLIC, "127.0.0.1"]
    with pytest.raises(DomainError) as refused:
        subscriptions.subscription_create(
            user=trader, channel="webhook", country="KZ", webhook_url=url
        )
    assert refused.value.code.startswith(("webhook_", "invalid_webhook_url"))
    assert not Subscription.objects.exists()


def test_a_public_https_target_is_accepted(trader, registration, dns):
    dns.answers["hooks.example.com"] = [PUBLIC, "2606:4700:4700::1111"]
    sub = subscriptions.subscription_create(
        user=trader, channel="webhook", country="KZ", webhook_url="https://hooks.example.com/in"
    )
    assert sub.pk and sub.secret


def test_other_ports_and_http_only_by_setting(trader, registration, dns, settings):
    dns.answers["hooks.example.com"] = [PUBLIC]
    url = "https://hooks.example.com:8443/in"
    with pytest.raises(DomainError, match="port"):
        subscriptions.subscription_create(
            user=trader, channel="webhook", country="KZ", webhook_url=url
        )
    settings.REGISTRY_WEBHOOK_PORTS = ["8443"]
    subscriptions.subscription_create(user=trader, channel="webhook", country="KZ", webhook_url=url)
    settings.REGISTRY_WEBHOOK_ALLOW_HTTP = True
    subscriptions.subscription_create(
        user=trader, channel="webhook", country="KZ", webhook_url="http://hooks.example.com/in"
    )


def test_the_subscriptions_page_refuses_an_internal_url(client, trader, registration):
    client.force_login(trader)
    response = client.post(
        reverse("subscriptions"),
        {"channel": "webhook", "country": "KZ", "webhook_url": "https://169.254.169.254/"},
    )
    assert response.status_code == 400
    assert not Subscription.objects.exists()


def _listener_url(host, port, path="/hook"):
    return f"http://{host}:{port}{path}"


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "0.0.0.0", "[::ffff:127.0.0.1]", "127.1", "2130706433",  # noqa: S104
     "rebound.example.com"],
)  # fmt: skip
def test_a_delivery_to_an_internal_target_sends_nothing(
    trader, registration, dns, listener, settings, host
):
    """A subscription that got in (written before this check, or by DNS that changed since) is
    re-checked at each delivery: the local listener receives nothing."""
    settings.REGISTRY_WEBHOOK_ALLOW_HTTP = True
    settings.REGISTRY_WEBHOOK_PORTS = ["*"]
    dns.answers["rebound.example.com"] = ["127.0.0.1"]
    sub = Subscription.objects.create(
        user=trader,
        channel="webhook",
        country=registration.country,
        webhook_url=_listener_url(host, listener.port),
        secret="s" * 64,
    )
    event_for(registration)

    summary = services.webhooks_dispatch()

    assert summary.delivered == 0
    assert listener.received == []
    delivery = Delivery.objects.get(subscription=sub)
    assert delivery.state == "retrying"
    assert delivery.last_error == "blocked"


def test_dns_rebinding_after_subscription_is_caught_at_delivery(
    trader, registration, dns, listener, settings
):
    settings.REGISTRY_WEBHOOK_PORTS = [str(listener.port)]
    dns.answers["hooks.example.com"] = [PUBLIC]
    sub = subscriptions.subscription_create(
        user=trader,
        channel="webhook",
        country="KZ",
        webhook_url=f"https://hooks.example.com:{listener.port}/in",
    )
    dns.answers["hooks.example.com"] = ["127.0.0.1"]  # the attacker's DNS now answers loopback
    event_for(registration)

    services.webhooks_dispatch()

    assert listener.received == []
    assert Delivery.objects.get(subscription=sub).last_error == "blocked"


def test_redirects_are_never_followed(trader, registration, settings):
    """Even where private targets are allowed (development), a 302 to another local port is not
    followed, the signature goes nowhere else, and the delivery is not recorded as delivered."""
    settings.REGISTRY_WEBHOOK_ALLOW_HTTP = True
    settings.REGISTRY_WEBHOOK_ALLOW_PRIVATE = True
    settings.REGISTRY_WEBHOOK_PORTS = ["*"]
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    with Listener(ok) as target:
        redirect = (
            b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/stolen\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n" % target.port
        )
        with Listener(redirect) as first:
            sub = subscriptions.subscription_create(
                user=trader,
                channel="webhook",
                country="KZ",
                webhook_url=_listener_url("127.0.0.1", first.port),
            )
            event_for(registration)
            summary = services.webhooks_dispatch()
            assert len(first.received) == 1
    assert target.received == []
    assert summary.delivered == 0
    delivery = Delivery.objects.get(subscription=sub)
    assert (delivery.state, delivery.last_error) == ("retrying", "HTTP 3xx")


def test_the_request_goes_to_the_checked_address_without_a_second_lookup(
    trader, registration, dns, listener, settings
):
    """The name is resolved once per delivery and the connection made to that address, with the
    name in the Host header (a name the real DNS does not know proves it)."""
    settings.REGISTRY_WEBHOOK_ALLOW_HTTP = True
    settings.REGISTRY_WEBHOOK_ALLOW_PRIVATE = True
    settings.REGISTRY_WEBHOOK_PORTS = ["*"]
    dns.answers["receiver.invalid"] = ["127.0.0.1"]
    url = f"http://receiver.invalid:{listener.port}/in"
    subscriptions.subscription_create(user=trader, channel="webhook", country="KZ", webhook_url=url)
    event_for(registration)
    dns.lookups.clear()

    summary = services.webhooks_dispatch()

    assert summary.delivered == 1
    assert dns.lookups == ["receiver.invalid"]
    [request] = listener.received
    assert f"host: receiver.invalid:{listener.port}".encode() in request.lower()


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_subscriber_sees_a_failure_class_never_the_error_text(
    client, trader, registration, settings
):
    settings.REGISTRY_WEBHOOK_ALLOW_HTTP = True
    settings.REGISTRY_WEBHOOK_ALLOW_PRIVATE = True
    settings.REGISTRY_WEBHOOK_PORTS = ["*"]
    sub = subscriptions.subscription_create(
        user=trader,
        channel="webhook",
        country="KZ",
        webhook_url=_listener_url("127.0.0.1", _closed_port()),
    )
    event_for(registration)
    services.webhooks_dispatch()

    delivery = Delivery.objects.get(subscription=sub)
    assert delivery.last_error == "refused"
    assert {a.error for a in delivery.log.all()} == {"refused"}
    client.force_login(trader)
    page = client.get(reverse("subscriptions")).content.decode()
    assert "Errno" not in page and "Connection refused" not in page

    test = webhook_tests.webhook_test_request(subscription=sub, by=trader)
    webhook_tests.webhook_tests_send()
    test.refresh_from_db()
    assert (test.state, test.status_code, test.error) == ("failed", None, "refused")
