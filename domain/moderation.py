"""Story moderation as data: statuses, the allowed transitions, and the audit event each act leaves.

Hide, never delete: every act changes a status or a field and keeps the original;
withdrawal by the resident is the one real erasure, and its audit event carries no content.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from types import MappingProxyType

from domain.errors import UserFacingError
from domain.models import DIMENSIONS, STORY_KINDS

PENDING, APPROVED, HIDDEN, WITHDRAWN = "pending", "approved", "hidden", "withdrawn"
PUBLIC_STATUSES = frozenset({APPROVED})
REDACTION_MARK = "[...]"

# action → (statuses it may start from, status it leads to); Amsterdam/signals keeps its workflow the same way.
ALLOWED_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({PENDING, HIDDEN}), APPROVED),
    "hide": (frozenset({PENDING, APPROVED}), HIDDEN),
    "restore": (frozenset({HIDDEN}), PENDING),
    "withdraw": (frozenset({PENDING, APPROVED, HIDDEN}), WITHDRAWN),
}
# Edits that keep the status; allowed on anything not withdrawn.
EDIT_ACTIONS = frozenset({"redact", "set_kind", "set_dimension", "set_themes", "mark_duplicate"})
NEEDS_REASON = frozenset({"hide", "mark_duplicate"})

# GDPR erasure: every field a resident's withdrawal empties, and what it leaves there. The moderation act applies
# its share, storage writes all of it (and deletes the photo), and a backup holds a withdrawn story only in this
# form. Kind, buurt, language and the submission token stay: they say nothing about the resident, keep the counts
# honest and let a restore recognise the withdrawal (docs/exports.md, "Backup en herstel").
WITHDRAWAL_LEAVES: Mapping[str, object] = MappingProxyType({
    "text": "", "original_text": "", "themes": (), "dimension": None, "lat": None, "lon": None,
    "place_description": None, "age_band": None, "relation": None, "photo_id": None, "receipt_hash": None})

STATUS_LABELS = {
    PENDING: {"nl": "Wacht op beoordeling", "en": "Awaiting review"},
    APPROVED: {"nl": "Goedgekeurd", "en": "Approved"},
    HIDDEN: {"nl": "Verborgen", "en": "Hidden"},
    WITHDRAWN: {"nl": "Ingetrokken", "en": "Withdrawn"},
}


class InvalidTransition(UserFacingError):
    """The act is not allowed from the story's current status (or lacks a reason)."""


class ConcurrentModeration(UserFacingError):
    """Someone else changed the story since it was loaded; nothing was overwritten."""


@dataclass(frozen=True)
class StoryState:
    """What moderation needs to know and may change about a story."""

    id: int
    status: str
    text: str
    original_text: str
    kind: str
    dimension: str | None = None
    themes: tuple[str, ...] = ()
    duplicate_of_id: int | None = None
    version: int = 1


@dataclass(frozen=True)
class AuditEvent:
    entity: str
    entity_id: int | None
    action: str
    actor: str
    created_at: datetime
    reason: str | None = None
    detail: dict = field(default_factory=dict)
    session_id: int | None = None


def erased_fields() -> dict[str, object]:
    """What a withdrawal leaves of a story, as plain stored values (lists, not tuples), to write or compare."""
    return {name: list(value) if isinstance(value, tuple) else value for name, value in WITHDRAWAL_LEAVES.items()}


def initial_status(moderation_mode: str) -> str:
    """Pre-moderation: nothing public until approved. Post-moderation: public at once, can be hidden."""
    return APPROVED if moderation_mode == "post" else PENDING


def can(action: str, status: str) -> bool:
    if action in ALLOWED_TRANSITIONS:
        return status in ALLOWED_TRANSITIONS[action][0]
    return action in EDIT_ACTIONS and status != WITHDRAWN


def refuse_if_withdrawn(status: str) -> None:
    """A withdrawn story has nothing left to moderate. Said before any version check: the resident's act is the
    reason the facilitator's view is out of date, and no fresh look will change that."""
    if status == WITHDRAWN:
        raise InvalidTransition("Dit verhaal is door de inzender ingetrokken. De inhoud is gewist; er valt niets "
                                "meer te beoordelen.",
                                "The author withdrew this story. Its content was erased; there is nothing left to "
                                "moderate.")


def redact(text: str, fragment: str) -> str:
    """Replace every occurrence of `fragment` by the redaction mark.

    Examples:
        >>> redact("Bel Jan op 0612345678 over de bankjes", "0612345678")
        'Bel Jan op [...] over de bankjes'
    """
    fragment = fragment.strip()
    if not fragment or fragment not in text:
        raise InvalidTransition("Dat stuk tekst staat niet (meer) in het verhaal; er is niets weggelaten.",
                                "That piece of text is not in the story; nothing was removed.")
    return text.replace(fragment, REDACTION_MARK)


def removed_characters(text: str, fragment: str) -> int:
    """How many characters of `text` a redaction of `fragment` takes out (every occurrence counts).

    Examples:
        >>> removed_characters("Jan, Jan en nog eens Jan", "Jan")
        9
    """
    fragment = fragment.strip()
    return text.count(fragment) * len(fragment) if fragment else 0


def tag_changes(story: StoryState, *, kind: str, dimension: str | None, themes) -> list[tuple[str, object]]:
    """The edits (action, value) that bring the story's kind, dimension and themes to the ones given, in that
    order; nothing for what is unchanged. One save of the tags form applies them together."""
    wanted = [("set_kind", kind, story.kind), ("set_dimension", dimension or None, story.dimension),
              ("set_themes", tuple(themes or ()), story.themes)]
    return [(action, new) for action, new, old in wanted if new != old]


def apply(story: StoryState, action: str, *, actor: str, now: datetime, reason: str | None = None,
          value=None) -> tuple[StoryState, AuditEvent]:
    """Apply one moderation act; returns the new state and the audit event to store with it."""
    reason = (reason or "").strip() or None
    refuse_if_withdrawn(story.status)
    if not can(action, story.status):
        raise InvalidTransition(
            f"'{action}' kan niet bij een verhaal met status '{STATUS_LABELS[story.status]['nl']}'.",
            f"'{action}' is not possible for a story that is '{STATUS_LABELS[story.status]['en']}'.")
    if action in NEEDS_REASON and not reason:
        raise InvalidTransition("Geef een reden op; die komt in het logboek.",
                                "Please give a reason; it goes into the audit trail.")
    detail: dict = {"from_status": story.status}
    if action in ALLOWED_TRANSITIONS:
        new = replace(story, status=ALLOWED_TRANSITIONS[action][1])
        if action == "withdraw":
            # The one real erasure: no content survives, not even in the audit detail.
            new = replace(new, **{name: value for name, value in WITHDRAWAL_LEAVES.items() if name in _STATE_FIELDS})
    elif action == "redact":
        new = replace(story, text=redact(story.text, str(value or "")))
        detail["removed_characters"] = removed_characters(story.text, str(value or ""))
    elif action == "set_kind":
        new = replace(story, kind=check_kind(value))
        detail.update(old=story.kind, new=new.kind)
    elif action == "set_dimension":
        new = replace(story, dimension=check_dimension(value))
        detail.update(old=story.dimension, new=new.dimension)
    elif action == "set_themes":
        new = replace(story, themes=tuple(value or ()))
        detail.update(old=list(story.themes), new=list(new.themes))
    else:  # mark_duplicate
        if value is None or int(value) == story.id:
            raise InvalidTransition("Kies een ander verhaal als origineel.", "Choose another story as the original.")
        new = replace(story, duplicate_of_id=int(value), status=HIDDEN if story.status != HIDDEN else story.status)
        detail.update(duplicate_of=int(value))
    detail["to_status"] = new.status
    new = replace(new, version=story.version + 1)
    event = AuditEvent("story", story.id, action, actor, now, reason, detail)
    return new, event


_STATE_FIELDS = frozenset(f.name for f in fields(StoryState))


def check_kind(value) -> str:
    """A story's kind is one of STORY_KINDS; anything else (None, a typo, an old name) is refused."""
    if not isinstance(value, str) or value not in STORY_KINDS:
        raise InvalidTransition("Kies een soort verhaal uit de lijst.", "Choose a kind of story from the list.")
    return value


def check_dimension(value) -> str | None:
    """A dimension is one of the five of DIMENSIONS, or none at all ("" and None both mean none)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in DIMENSIONS:
        raise InvalidTransition("Kies een dimensie uit de lijst, of geen.", "Choose a dimension from the list, or none.")
    return value
