"""The eligibility question, answered by one service for the web form, the API, bulk and the CLI.

"May this product, from this country, enter through this port on this date, from this producer,
and why?" (docs/design.md, "The eligibility question"). China admits only what is on its access
list, but the registry records only part of it: a pair with no record is `not_recorded`, never
`not_eligible`, which is for what a record says on the date. Requirements the question did not
ask about become conditions (`eligible_with_conditions`). `unknown` is for what the registry
cannot decide from what it holds.

Query budget: a batch of questions (one for the single check, up to 1,000 for bulk) is answered
in a fixed number of statements (check.MAX_STATEMENTS), whatever the batch size or the data.

The question and the answer: `answer`; the one set-based engine: `check`, composing its rules:
`state` (what the entry's legal state on the date says), `ports` (the designated sites and the
ports that may receive the product), `establishment` (the producer's registration).
"""
