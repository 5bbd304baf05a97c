# Subscription, Delivery and DeliveryAttempt move from the accessions app to notifications.
# The tables and their rows stay: the model state is created here over the existing tables
# (SeparateDatabaseAndState), then the tables are renamed to this app's names.

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
        ('accessions', '0006_link_history'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('registry', '0004_product_name_lookup_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='Delivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('email', 'e-mail digest'), ('webhook', 'webhook')], max_length=10, verbose_name='channel')),
                ('state', models.CharField(choices=[('pending', 'pending'), ('retrying', 'retrying'), ('delivered', 'delivered'), ('dead', 'dead letter')], default='pending', max_length=10, verbose_name='state')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('next_attempt_at', models.DateTimeField(verbose_name='next attempt at')),
                ('last_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='last attempt at')),
                ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='delivered at')),
                ('last_status_code', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='last HTTP status')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='accessions.outboxevent')),
            ],
            options={
                'verbose_name': 'delivery',
                'verbose_name_plural': 'deliveries',
                'db_table': 'accessions_delivery',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='DeliveryAttempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('attempted_at', models.DateTimeField(verbose_name='attempted at')),
                ('status_code', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='HTTP status')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('duration_ms', models.PositiveIntegerField(default=0, verbose_name='duration (ms)')),
                ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='log', to='notifications.delivery')),
            ],
            options={
                'verbose_name': 'delivery attempt',
                'db_table': 'accessions_deliveryattempt',
                'ordering': ['delivery', 'attempted_at'],
            },
        ),
        migrations.CreateModel(
            name='Subscription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('email', 'e-mail digest'), ('webhook', 'webhook')], max_length=10, verbose_name='channel')),
                ('hs_prefix', models.CharField(blank=True, max_length=6, null=True, verbose_name='HS code prefix')),
                ('webhook_url', models.URLField(blank=True, max_length=500, verbose_name='webhook URL')),
                ('secret', models.CharField(blank=True, max_length=64, verbose_name='signing secret')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('country', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.country')),
                ('product', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.product')),
                ('registration', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='subscriptions', to='accessions.establishmentregistration')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='registry_subscriptions', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'subscription',
                'db_table': 'accessions_subscription',
                'ordering': ['user', 'id'],
            },
        ),
        migrations.AddField(
            model_name='delivery',
            name='subscription',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='notifications.subscription'),
        ),
        migrations.AddConstraint(
            model_name='subscription',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('country__isnull', False), ('product__isnull', True), ('hs_prefix__isnull', True), ('registration__isnull', True)), models.Q(('product__isnull', False), ('country__isnull', True), ('hs_prefix__isnull', True), ('registration__isnull', True)), models.Q(('hs_prefix__isnull', False), ('country__isnull', True), ('product__isnull', True), ('registration__isnull', True)), models.Q(('registration__isnull', False), ('country__isnull', True), ('product__isnull', True), ('hs_prefix__isnull', True)), _connector='OR'), name='subscription_one_target', violation_error_message='Subscribe to exactly one country, product, HS prefix or establishment.'),
        ),
        migrations.AddConstraint(
            model_name='subscription',
            constraint=models.CheckConstraint(condition=models.Q(('hs_prefix__isnull', True), ('hs_prefix__regex', '^[0-9]{2,6}$'), _connector='OR'), name='subscription_hs_prefix_digits', violation_error_message='An HS prefix is 2 to 6 digits.'),
        ),
        migrations.AddConstraint(
            model_name='subscription',
            constraint=models.CheckConstraint(condition=models.Q(('channel', 'email'), ('webhook_url__startswith', 'http://'), ('webhook_url__startswith', 'https://'), _connector='OR'), name='subscription_webhook_http', violation_error_message='A webhook URL must start with http:// or https://.'),
        ),
        migrations.AddConstraint(
            model_name='subscription',
            constraint=models.CheckConstraint(condition=models.Q(('channel__in', ['email', 'webhook'])), name='subscription_channel_valid', violation_error_message='channel must be one of: email, webhook.'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['channel', 'state', 'next_attempt_at'], name='delivery_due'),
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.UniqueConstraint(fields=('event', 'subscription'), name='delivery_once_per_event_subscription'),
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['pending', 'retrying', 'delivered', 'dead'])), name='delivery_state_valid', violation_error_message='state must be one of: pending, retrying, delivered, dead.'),
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.CheckConstraint(condition=models.Q(('channel__in', ['email', 'webhook'])), name='delivery_channel_valid', violation_error_message='channel must be one of: email, webhook.'),
        ),
    ]),
        migrations.AlterModelTable(name='subscription', table=None),
        migrations.AlterModelTable(name='delivery', table=None),
        migrations.AlterModelTable(name='deliveryattempt', table=None),
        migrations.RunPython(
            _move_content_types(
                'accessions', 'notifications', ['subscription', 'delivery', 'deliveryattempt']
            ),
            _move_content_types(
                'notifications', 'accessions', ['subscription', 'delivery', 'deliveryattempt']
            ),
        ),
    ]
