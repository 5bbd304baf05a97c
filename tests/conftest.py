import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command


@pytest.fixture
def seeded(db):
    """The real seed data (seeds/), loaded through the loader."""
    call_command("load_seeds", verbosity=0)


@pytest.fixture
def inspector(django_user_model):
    from registry.services import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user("inspector", password="pw-inspector-1")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="inspector"))
    return user
