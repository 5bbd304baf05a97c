# Subscription, Delivery and DeliveryAttempt now live in the notifications app
# (notifications/migrations/0001_initial.py); only their state is removed here.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accessions', '0006_link_history'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
        migrations.RemoveField(
            model_name='deliveryattempt',
            name='delivery',
        ),
        migrations.RemoveField(
            model_name='subscription',
            name='country',
        ),
        migrations.RemoveField(
            model_name='subscription',
            name='product',
        ),
        migrations.RemoveField(
            model_name='subscription',
            name='registration',
        ),
        migrations.RemoveField(
            model_name='subscription',
            name='user',
        ),
        migrations.DeleteModel(
            name='Delivery',
        ),
        migrations.DeleteModel(
            name='DeliveryAttempt',
        ),
        migrations.DeleteModel(
            name='Subscription',
        ),
    ]),
    ]
