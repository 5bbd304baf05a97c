"""The timeline a question's change days draw (accessions.windows.window_starts): one day in
every window but the one asked about, nearest first, so answering them completes the timeline."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from accessions.windows import answer_window, window_starts

DAYS = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31))


@settings(max_examples=200, deadline=None)
@given(days=st.lists(st.one_of(DAYS, st.none()), max_size=12), around=DAYS)
def test_one_day_in_every_other_window_nearest_first(days, around):
    known = sorted({d for d in days if d is not None})
    starts = window_starts(days, around, limit=100)
    windows = [answer_window(d, known) for d in [around, *starts]]
    assert len(set(windows)) == len(windows)  # one day per window, none in the asked one
    assert len(windows) == len(known) + 1 if known else len(windows) == 1  # every window
    gaps = [abs((d - around).days) for d in starts]
    assert gaps == sorted(gaps)
    assert window_starts(days, around, limit=2) == starts[:2]


def test_a_timeline_of_three_windows():
    days = [dt.date(2019, 1, 1), None, dt.date(2021, 6, 1)]
    # 2020-01-01 is in [2019-01-01, 2021-05-31]; the others are open before and after.
    assert window_starts(days, dt.date(2020, 1, 1), limit=32) == [
        dt.date(2018, 12, 31),
        dt.date(2021, 6, 1),
    ]
    assert window_starts([], dt.date(2020, 1, 1), limit=32) == []
