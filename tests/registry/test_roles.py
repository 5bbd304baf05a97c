"""registry.roles answers every permission question: one row per role, one column per
predicate, and an owner check for subscriptions."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from registry import roles
from registry.roles import roles_ensure

# role -> (is_inspector, may_see_dashboard, may_acknowledge_alerts, may_subscribe,
#          may_manage_api_keys, is_administrator)
EXPECTED = {
    "anonymous": (False, False, False, False, False, False),
    "inactive inspector": (False, False, False, False, False, False),
    "no role": (False, False, False, False, False, False),
    "trader": (False, False, False, True, False, False),
    "inspector": (True, True, True, True, False, False),
    "senior_inspector": (True, True, True, True, False, False),
    "staff": (True, True, True, False, False, False),
    "superuser": (False, False, False, True, True, True),
}


def make_user(kind, django_user_model):
    if kind == "anonymous":
        return AnonymousUser()
    user = django_user_model.objects.create_user(kind.replace(" ", "-"), password="pw-1234567890")
    group = {"trader": "trader", "inspector": "inspector", "senior_inspector": "senior_inspector"}
    if kind == "inactive inspector":
        user.is_active = False
        group_name = "inspector"
    else:
        group_name = group.get(kind)
    user.is_staff = kind == "staff"
    user.is_superuser = kind == "superuser"
    user.save()
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return django_user_model.objects.get(pk=user.pk) if user.is_active else user


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_each_role_may_do_exactly_its_part(kind, django_user_model):
    roles_ensure()
    user = make_user(kind, django_user_model)
    got = (
        roles.is_inspector(user),
        roles.may_see_dashboard(user),
        roles.may_acknowledge_alerts(user),
        roles.may_subscribe(user),
        roles.may_manage_api_keys(user),
        roles.is_administrator(user),
    )
    assert got == EXPECTED[kind]


@pytest.mark.django_db
def test_a_subscription_is_managed_by_its_owner_or_an_administrator(django_user_model):
    owner = django_user_model.objects.create_user("owner")
    stranger = django_user_model.objects.create_user("stranger")
    admin = django_user_model.objects.create_superuser("root", password="pw-1234567890")

    class Subscription:
        user_id = owner.pk

    assert roles.may_manage_subscription(owner, Subscription())
    assert roles.may_manage_subscription(admin, Subscription())
    assert not roles.may_manage_subscription(stranger, Subscription())
    assert not roles.may_manage_subscription(AnonymousUser(), Subscription())


@pytest.mark.django_db
def test_roles_are_read_once_per_user(django_user_model, django_assert_num_queries):
    roles_ensure()
    user = django_user_model.objects.create_user("trader-1")
    user.groups.add(Group.objects.get(name="trader"))
    user = django_user_model.objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert roles.may_subscribe(user)
        assert not roles.is_inspector(user)
        assert not roles.may_see_dashboard(user)
