"""An access entry's series of legal states as one line of text: the cell the access list's
export writes and its import reads, e.g.
`in_force 2023-06-13; suspended 2024-01-01; restored 2024-06-01 (zone A, zone B)`.

Each state is its kind, its start when known and, in parentheses, the zones it is limited to;
the states are joined by "; ", oldest first. `states_text` writes the cell and `states_parse`
reads it back (`states_text(states_parse(x)) == x`); the PostgreSQL export writes the same text
in SQL (api.access.state_series_text_sql). A "; " inside the parentheses belongs to the zones.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from accessions.models import StateKind

SEPARATOR = "; "
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso(value: Any) -> str | None:
    # A state read as a model or plain values holds a date; one read as JSON holds its ISO text.
    if value is None or isinstance(value, str):
        return value or None
    return value.isoformat()


def states_text(states: Iterable[Mapping[str, Any]]) -> str:
    """The series in one cell: "in_force 2019-05-01; suspended 2022-03-01 (zone A)"."""
    parts = []
    for state in states:
        text = str(state["kind"])
        day = _iso(state["starts_on"])
        if day:
            text += " " + day
        if state["limited_to"]:
            text += f" ({state['limited_to']})"
        parts.append(text)
    return SEPARATOR.join(parts)


def _split(text: str) -> list[str]:
    """The states of a cell: split at the semicolons outside parentheses."""
    parts: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ValueError(
                    _("a closing parenthesis with no opening one in “%(part)s”")
                    % {"part": text[start:].split(";")[0].strip()}
                )
        elif char == ";" and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    if depth > 0:
        raise ValueError(_("a parenthesis is not closed in “%(part)s”") % {"part": text[start:]})
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _state(part: str) -> dict[str, Any]:
    head, limited_to = part, ""
    opening = part.find("(")
    if opening >= 0:
        if not part.endswith(")") or _split_depth_closes_early(part, opening):
            raise ValueError(_("text after the parentheses in “%(part)s”") % {"part": part})
        head, limited_to = part[:opening].strip(), part[opening + 1 : -1].strip()
    words = head.split()
    if not words or len(words) > 2:
        raise ValueError(
            _("“%(part)s” is not a state, a start date and zones in parentheses") % {"part": part}
        )
    kind = words[0]
    if kind not in StateKind.values:
        raise ValueError(
            _("unknown state “%(kind)s” in “%(part)s” (one of: %(kinds)s)")
            % {"kind": kind, "part": part, "kinds": ", ".join(StateKind.values)}
        )
    starts_on = None
    if len(words) == 2:
        try:
            if not _DAY.fullmatch(words[1]):
                raise ValueError(words[1])
            starts_on = dt.date.fromisoformat(words[1])
        except ValueError:
            raise ValueError(
                _("bad date “%(day)s” in “%(part)s” (write YYYY-MM-DD)")
                % {"day": words[1], "part": part}
            ) from None
    return {"kind": kind, "starts_on": starts_on, "limited_to": limited_to}


def _split_depth_closes_early(part: str, opening: int) -> bool:
    """Whether the parenthesis opened at `opening` closes before the end (text follows it)."""
    depth = 0
    for index in range(opening, len(part)):
        depth += {"(": 1, ")": -1}.get(part[index], 0)
        if depth == 0:
            return index != len(part) - 1
    return True


def states_parse(text: str) -> list[dict[str, Any]]:
    """The states of a cell written by `states_text`: [{kind, starts_on, limited_to}], in the
    cell's order. A malformed cell raises ValueError naming the bad part (an unknown kind, a bad
    date, unbalanced parentheses)."""
    return [_state(part) for part in _split(text)]
