"""Writes of the accessions app, one function per business write.

Views, tasks, commands and the admin call these functions; none of them writes on its own.
"""

from accessions.services.expiry import (  # noqa: F401
    DEFAULT_BATCH_SIZE,
    SweepSummary,
    add_months,
    alert_acknowledge,
    expiry_sweep,
    window_last_expiry,
)
from accessions.services.notifications import (  # noqa: F401
    DispatchSummary,
    backoff_seconds,
    delivery_payload,
    delivery_retry,
    digests_send,
    events_fan_out,
    subscription_create,
    subscription_deactivate,
    webhook_signature,
    webhooks_dispatch,
)
from accessions.services.outbox import (  # noqa: F401
    dispatch_enqueue,
    event_record,
    market_access_create,
    market_access_save,
    market_access_status_change,
)
