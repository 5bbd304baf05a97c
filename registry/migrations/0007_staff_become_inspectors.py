"""Until now staff status made a user an inspector. From now on only the role does (accounts.roles);
so that nobody loses what they could do, active staff users without a role, who are not
administrators, get the inspector role."""

from django.db import migrations


def staff_become_inspectors(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    roles = ("trader", "inspector", "senior_inspector")
    inspector, _created = Group.objects.get_or_create(name="inspector")
    staff = User.objects.filter(is_staff=True, is_superuser=False, is_active=True).exclude(
        groups__name__in=roles
    )
    for user in staff:
        user.groups.add(inspector)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_accountprofile"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(staff_become_inspectors, migrations.RunPython.noop)]
