"""The temporal rules of access entries (accessions.validity) as plain SQL text, for hand-written
statements a reader can run in psql (the access list's page, accessions.selectors.access_page).

They are the third form of rules whose home is accessions.validity: the state of an entry on a
date (`state_on`, `state_on_subquery`), whether it lets the product in (`grants_access`,
`access_granted_on`) and the status on a date (`derived_status`, `status_on_annotations`).
tests/accessions/test_validity_sql.py proves them equal to the Python twins over generated
series, as tests/accessions/test_valid_time.py does for the ORM forms.

Every value written into the text below is one of this code's own constants (state kinds,
statuses, table and column names), never input: the date asked is a parameter.
"""

from __future__ import annotations

from accessions.models import AccessState, AccessStatus, StateKind
from accessions.validity import GRANTING_KINDS, KIND_RANK

STATES_TABLE = AccessState._meta.db_table


def _quoted(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def kind_rank_sql(state: str) -> str:
    """KIND_RANK of the state row aliased `state`: on one day the later step takes over."""
    arms = " ".join(f"WHEN '{kind}' THEN {rank}" for kind, rank in KIND_RANK.items())
    return f"(CASE {state}.kind {arms} ELSE 0 END)"


def series_order_sql(state: str) -> str:
    """`series_order`: a state whose start is not known first, then by start, then rank, id."""
    return f"{state}.starts_on ASC NULLS FIRST, {kind_rank_sql(state)} ASC, {state}.id ASC"


def state_on_join_sql(entry: str, alias: str) -> str:
    """A LEFT JOIN LATERAL giving, as `alias` (kind, limited_to), the state of the entry row
    aliased `entry` on the date of the parameter `on` (NULLs when no state has started by then):
    the latest started state, as `state_on`."""
    return (
        f"LEFT JOIN LATERAL (SELECT s.kind, s.limited_to FROM {STATES_TABLE} s "  # noqa: S608
        f"WHERE s.market_access_id = {entry}.id AND (s.starts_on IS NULL OR s.starts_on <= %(on)s) "
        f"ORDER BY s.starts_on DESC NULLS LAST, {kind_rank_sql('s')} DESC, s.id DESC LIMIT 1) "
        f"{alias} ON true"
    )


def grants_sql(state: str) -> str:
    """`grants_access` of the state `state` (from `state_on_join_sql`): in force, restored, or
    suspended for all but the zones it lists. NULL (not true) when no state has started."""
    return (
        f"({state}.kind IN ({_quoted(GRANTING_KINDS)}) "
        f"OR ({state}.kind = '{StateKind.SUSPENDED}' AND {state}.limited_to <> ''))"
    )


def status_on_sql(entry: str, state: str) -> str:
    """`derived_status` of the entry row aliased `entry` on the date of the parameter `on`,
    from its state on that date joined as `state` (`state_on_join_sql`)."""
    later_grant = (
        f"EXISTS (SELECT 1 FROM {STATES_TABLE} g WHERE g.market_access_id = {entry}.id "  # noqa: S608
        f"AND g.kind IN ({_quoted(GRANTING_KINDS)}) AND g.starts_on > %(on)s)"
    )
    has_states = f"EXISTS (SELECT 1 FROM {STATES_TABLE} h WHERE h.market_access_id = {entry}.id)"  # noqa: S608
    return (
        f"(CASE WHEN {state}.kind = '{StateKind.ENDED}' THEN '{AccessStatus.EXPIRED}' "
        f"WHEN {state}.kind = '{StateKind.REVOKED}' THEN '{AccessStatus.REVOKED}' "
        f"WHEN {grants_sql(state)} THEN '{AccessStatus.IN_FORCE}' "
        f"WHEN {state}.kind = '{StateKind.SUSPENDED}' THEN '{AccessStatus.SUSPENDED}' "
        f"WHEN {later_grant} THEN '{AccessStatus.PENDING}' "
        f"WHEN {state}.kind = '{StateKind.PROTOCOL_SIGNED}' THEN '{AccessStatus.PROTOCOL_SIGNED}' "
        f"WHEN {state}.kind IS NULL AND {has_states} THEN '{AccessStatus.PENDING}' "
        f"ELSE '{AccessStatus.NEGOTIATING}' END)"
    )
