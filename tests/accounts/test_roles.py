"""accounts.roles answers every permission question: one row per role, one column per
predicate, and an owner check for subscriptions."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import roles
from accounts.roles import roles_ensure
from registry.errors import DomainError

# role -> (is_inspector, may_see_dashboard, may_acknowledge_alerts, may_subscribe,
#          may_manage_api_keys, is_administrator)
EXPECTED = {
    "anonymous": (False, False, False, False, False, False),
    "inactive inspector": (False, False, False, False, False, False),
    "no role": (False, False, False, False, False, False),
    "trader": (False, False, False, True, False, False),
    "inspector": (True, True, True, True, False, False),
    "senior_inspector": (True, True, True, True, False, False),
    # Staff status only opens the admin: it makes nobody an inspector (the issue a new user saw).
    "staff": (False, False, False, False, False, False),
    "superuser": (True, True, True, True, True, True),
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


@pytest.mark.django_db
def test_staff_status_only_opens_the_admin(django_user_model):
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    assert roles.may_open_admin(staff)
    assert roles.roles_of(staff) == {roles.ANONYMOUS}
    assert not roles.may_see_dashboard(staff)


@pytest.mark.django_db
def test_role_assign_sets_staff_as_the_roles_module_decides(django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-1234567890")
    user = django_user_model.objects.create_user("someone")
    roles.role_assign(user=user, role=roles.INSPECTOR, by=admin)
    user.refresh_from_db()
    assert user.is_staff and set(user.groups.values_list("name", flat=True)) == {"inspector"}
    roles.role_assign(user=user, role=roles.TRADER, by=admin)
    user = django_user_model.objects.get(pk=user.pk)
    assert not user.is_staff
    assert roles.roles_of(user) == {roles.TRADER}


@pytest.mark.django_db
def test_only_an_administrator_assigns_roles(django_user_model):
    inspector = django_user_model.objects.create_user("insp")
    roles.role_assign(user=inspector, role=roles.SENIOR_INSPECTOR)
    trader = django_user_model.objects.create_user("trader")
    roles.role_self_registered(trader)
    for by in (inspector, trader):
        with pytest.raises(DomainError) as refused:
            roles.role_assign(user=trader, role=roles.INSPECTOR, by=by)
        assert refused.value.code == "not_allowed"
    assert roles.roles_of(django_user_model.objects.get(pk=trader.pk)) == {roles.TRADER}


def test_the_api_client_role_comes_with_a_key():
    anonymous = AnonymousUser()
    assert not roles.may_use_key_endpoints(anonymous, api_key=False)
    assert roles.may_use_key_endpoints(anonymous, api_key=True)
    assert roles.may(anonymous, roles.Ability.HIGHER_RATE, api_key=True)
    assert not roles.may(anonymous, roles.Ability.HIGHER_RATE)


@pytest.mark.django_db
def test_holders_of_a_role(django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-1234567890")
    inspector = django_user_model.objects.create_user("insp")
    roles.role_assign(user=inspector, role=roles.INSPECTOR, by=admin)
    trader = django_user_model.objects.create_user("trader")
    roles.role_self_registered(trader)
    users = django_user_model.objects
    assert list(users.filter(roles.holders_q(roles.INSPECTOR))) == [inspector]
    assert list(users.filter(roles.holders_q(roles.TRADER))) == [trader]
    assert list(users.filter(roles.holders_q(roles.ADMINISTRATOR))) == [admin]


ACCOUNT = st.tuples(
    st.sets(st.sampled_from(roles.GROUP_ROLES)),  # the groups held
    st.booleans(),  # is_superuser
    st.booleans(),  # is_staff (makes nobody a holder of a role)
)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(accounts=st.lists(ACCOUNT, min_size=1, max_size=6))
def test_the_holders_of_a_role_in_sql_are_those_roles_of_names(accounts, django_user_model):
    """`holders_q` (the admin's role filter, who is told of a proposal) against `roles_of` (every
    permission question), on generated accounts."""
    roles_ensure()
    django_user_model.objects.all().delete()
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.GROUP_ROLES)}
    users = []
    for index, (held, superuser, staff) in enumerate(accounts):
        user = django_user_model.objects.create_user(
            f"generated-{index}", is_superuser=superuser, is_staff=staff
        )
        user.groups.set([groups[name] for name in held])
        users.append(django_user_model.objects.get(pk=user.pk))
    for role in roles.ASSIGNABLE_ROLES:
        in_sql = set(
            django_user_model.objects.filter(roles.holders_q(role))
            .distinct()
            .values_list("pk", flat=True)
        )
        assert in_sql == {u.pk for u in users if role in roles.roles_of(u)}, role
