"""The day the pages answer for, in one place so that tests can pin it (the pages call
`clock.today()`, never `timezone.localdate()` for the day they answer for)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()
