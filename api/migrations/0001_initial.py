# ApiKey moves from the registry app to the api app. The table and its rows stay: the model
# state is created here over the existing table (SeparateDatabaseAndState), then the table is
# renamed to this app's name.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move_content_types(old_app, new_app, models):
    """Keep the content types (so group permissions and admin log entries) of moved models."""

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
        ('registry', '0004_product_name_lookup_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='ApiKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('prefix', models.CharField(editable=False, max_length=12, unique=True, verbose_name='prefix')),
                ('hashed_key', models.CharField(editable=False, max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='api_keys', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API key',
                'ordering': ['-created_at'],
                'db_table': 'registry_apikey',
            },
        ),
    ]),
        migrations.AlterModelTable(name='apikey', table=None),
        migrations.RunPython(
            _move_content_types('registry', 'api', ['apikey']),
            _move_content_types('api', 'registry', ['apikey']),
        ),
    ]
