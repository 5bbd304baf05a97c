# ApiKey now lives in the api app (api/migrations/0001_initial.py); only the state is removed.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_product_name_lookup_indexes'),
        ('api', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ApiKey')],
        ),
    ]
