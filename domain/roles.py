"""Who may see which page: one table, used for the navigation and by every page's own guard."""
from __future__ import annotations

from domain.auth import ANALYST, FACILITATOR

PUBLIC = "public"

# page id → roles that may open it. Facilitators see everything an analyst sees, plus moderation.
PAGE_ACCESS: dict[str, frozenset[str]] = {
    "statistics": frozenset({PUBLIC, ANALYST, FACILITATOR}),
    "sign_in": frozenset({PUBLIC, ANALYST, FACILITATOR}),
    "import": frozenset({ANALYST, FACILITATOR}),
    "sessions": frozenset({FACILITATOR}),
    "moderation": frozenset({FACILITATOR}),
    "projector": frozenset({FACILITATOR}),
    "vision_board": frozenset({FACILITATOR}),
    "analysis": frozenset({ANALYST, FACILITATOR}),
    "exports": frozenset({ANALYST, FACILITATOR}),
    # A section of the exports page, not a page: a session backup holds personal data (docs/exports.md).
    "session_backup": frozenset({FACILITATOR}),
}


def may_open(role: str | None, page_id: str) -> bool:
    """Examples:
        >>> may_open(None, "statistics"), may_open(None, "moderation"), may_open("analyst", "moderation")
        (True, False, False)
    """
    return (role or PUBLIC) in PAGE_ACCESS.get(page_id, frozenset())
