# AccountProfile moves from the registry app to the accounts app. The table and its rows stay: the
# model state is created here over the existing table (SeparateDatabaseAndState), then the table
# is renamed to this app's name and the content type follows (group permissions, admin log).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move_content_types(old_app, new_app, models):
    def move(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            old = content_type.objects.filter(app_label=old_app, model=model).first()
            if old is None:
                continue
            content_type.objects.filter(app_label=new_app, model=model).delete()
            old.app_label = new_app
            old.save(update_fields=["app_label"])

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
        ('registry', '0016_hs_code_alias_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='AccountProfile',
                fields=[
                    ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='profile', serialize=False, to=settings.AUTH_USER_MODEL)),
                    ('language', models.CharField(blank=True, max_length=10, verbose_name='language')),
                    ('is_illustrative', models.BooleanField(default=False, help_text='A demo account made by load_demo; never in production.', verbose_name='illustrative')),
                ],
                options={
                    'verbose_name': 'account profile',
                    'verbose_name_plural': 'account profiles',
                    'db_table': 'registry_accountprofile',
                },
            ),
        ]),
        migrations.AlterModelTable(name='accountprofile', table=None),
        migrations.RunPython(
            _move_content_types('registry', 'accounts', ['accountprofile']),
            _move_content_types('accounts', 'registry', ['accountprofile']),
        ),
    ]
