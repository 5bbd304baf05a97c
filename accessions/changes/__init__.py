"""What changed between two dates, for a country, a product, an HS chapter or everything: the one
selector behind the web page (/changes/between/) and the API (/api/v1/changes/between/).

Two meanings, never mixed in one answer:

- **Legal validity** (`legal`): what took legal effect between the dates, read from the records'
  own validity dates (in force from / until, protocol signed on, registered on, extended until).
  The legal state on the day before `start` is compared with the state on `end`; every transition
  whose first day falls in [start, end] is listed (so an entry that came into force and ended
  inside the window is listed twice, not lost). A status whose date the records do not hold
  (suspended, revoked) is listed apart as undated, never given an invented date.
- **Registry edits** (`edits`): what was recorded in the registry between the dates, whatever
  legal date it carries: the history events that the PostgreSQL triggers wrote (django-pghistory),
  field by field. The embedded SQLite mode records no history and answers with none.

The package: `base` (the answer's vocabulary and the scope), `legal` and `edits` (one reading
each); `between.changes_between`, the selector, chooses between them.
"""
