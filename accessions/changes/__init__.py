"""What changed between two dates, for a country, a product, an HS chapter or everything: the one
selector behind the web page (/changes/between/) and the API (/api/v1/changes/between/).

Two meanings, never mixed in one answer:

- **Legal validity** (`legal`): what took legal effect between the dates. For access entries,
  read from their series of legal states (accessions.validity, the rule the eligibility check
  applies): every state that starts in [start, end] is a change on its first day (protocol
  signed, came into force, suspended, restored, ended, revoked), so an entry that came into
  force and ended inside the window is listed twice, not lost; the entries in force on the day
  before `start` and on `end` are counted by the same rule. For the other records, read from
  their own validity dates (in force from / until, registered on, extended until). A state or
  status whose date the records do not hold is listed apart as undated, never given an
  invented date.
- **Registry edits** (`edits`): what was recorded in the registry between the dates, whatever
  legal date it carries: the history events that the PostgreSQL triggers wrote (django-pghistory),
  field by field. The embedded SQLite mode records no history and answers with none.

The package: `base` (the answer's vocabulary and the scope), `legal` and `edits` (one reading
each); `between.changes_between`, the selector, chooses between them.
"""
