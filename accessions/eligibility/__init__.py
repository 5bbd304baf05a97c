"""The eligibility question, answered by one service for the web form, the API, bulk and the CLI.

"May this product, from this country, enter through this port on this date, from this producer,
and why?" (DESIGN.md, "The eligibility question"). China admits only what is on its access list,
so a pair with no access in force on the date is `not_eligible`. Requirements the question did not
ask about become conditions (`eligible_with_conditions`). `unknown` is for what the registry cannot
decide from what it holds.

Query budget: at most 4 queries on the path that finds access (access with product and country,
applicable regulations, ports, establishment), whatever the size of the data.

The question and the answer: `answer`; the check of one question: `check`; many questions in a
fixed number of queries: `batch`.
"""
