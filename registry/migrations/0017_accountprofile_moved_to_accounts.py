# AccountProfile now lives in the accounts app (accounts/migrations/0001_initial.py); only the
# state is removed here.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0016_hs_code_alias_index'),
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AccountProfile')],
        ),
    ]
