"""The moderation transition table, scenario by scenario (Amsterdam/signals style): each scenario is a list of
steps (action, arguments, status expected afterwards — or the error it must raise)."""
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.moderation import (ALLOWED_TRANSITIONS, APPROVED, EDIT_ACTIONS, HIDDEN, PENDING, REDACTION_MARK,
                               WITHDRAWAL_LEAVES, WITHDRAWN, InvalidTransition, StoryState, apply, can,
                               erased_fields, initial_status, tag_changes)

NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
TEXT = "Bel Jan op 0612345678 over de bankjes bij de Kerkstraat"

# --- scenarios: lists of (action, kwargs, expected status or exception) ---------------------------------------
PRE_MODERATION_HAPPY = [
    ("approve", {}, APPROVED),
]
HIDE_RESTORE_APPROVE = [
    ("hide", {"reason": "persoonlijke gegevens"}, HIDDEN),
    ("restore", {}, PENDING),
    ("approve", {}, APPROVED),
]
APPROVED_THEN_HIDDEN_THEN_APPROVED_AGAIN = [
    ("approve", {}, APPROVED),
    ("hide", {"reason": "klacht van bewoner"}, HIDDEN),
    ("approve", {}, APPROVED),
]
REDACT_TAG_APPROVE = [
    ("redact", {"value": "0612345678"}, PENDING),
    ("set_kind", {"value": "concern"}, PENDING),
    ("set_dimension", {"value": "fysieke_omgeving"}, PENDING),
    ("set_themes", {"value": ["Groen"]}, PENDING),
    ("approve", {}, APPROVED),
    ("redact", {"value": "Jan"}, APPROVED),  # an approved story can still be redacted; it stays public
]
FORBIDDEN_FROM_PENDING = [
    ("restore", {}, InvalidTransition),  # only hidden stories can be restored
    ("hide", {}, InvalidTransition),  # hiding needs a reason
    ("hide", {"reason": "   "}, InvalidTransition),  # …a real one
    ("redact", {"value": "staat er niet in"}, InvalidTransition),
    ("redact", {"value": "   "}, InvalidTransition),
    ("approve", {}, APPROVED),
    ("approve", {}, InvalidTransition),  # twice is not a state change
    ("restore", {}, InvalidTransition),
    ("hide", {"reason": "spam"}, HIDDEN),
    ("hide", {"reason": "spam"}, InvalidTransition),
]
WITHDRAWN_WHILE_IN_THE_QUEUE = [
    ("withdraw", {}, WITHDRAWN),
    ("approve", {}, InvalidTransition),
    ("hide", {"reason": "x"}, InvalidTransition),
    ("restore", {}, InvalidTransition),
    ("redact", {"value": "Jan"}, InvalidTransition),
    ("set_kind", {"value": "idea"}, InvalidTransition),
    ("set_dimension", {"value": "voorzieningen"}, InvalidTransition),
    ("set_themes", {"value": ["x"]}, InvalidTransition),
    ("mark_duplicate", {"value": 2, "reason": "dubbel"}, InvalidTransition),
    ("withdraw", {}, InvalidTransition),
]
WITHDRAWN_AFTER_APPROVAL = [
    ("approve", {}, APPROVED),
    ("withdraw", {}, WITHDRAWN),
]
WITHDRAWN_WHILE_HIDDEN = [
    ("hide", {"reason": "spam"}, HIDDEN),
    ("withdraw", {}, WITHDRAWN),
]
DUPLICATE = [
    ("mark_duplicate", {"value": 2}, InvalidTransition),  # no reason
    ("mark_duplicate", {"value": None, "reason": "dubbel"}, InvalidTransition),  # no original chosen
    ("mark_duplicate", {"value": 1, "reason": "dubbel"}, InvalidTransition),  # itself
    ("mark_duplicate", {"value": 2, "reason": "twee keer verstuurd"}, HIDDEN),
    ("restore", {}, PENDING),  # a wrongly merged story comes back
]

SCENARIOS = {
    "pre_moderation_happy": (PENDING, PRE_MODERATION_HAPPY),
    "hide_restore_approve": (PENDING, HIDE_RESTORE_APPROVE),
    "approved_hidden_approved": (PENDING, APPROVED_THEN_HIDDEN_THEN_APPROVED_AGAIN),
    "redact_tag_approve": (PENDING, REDACT_TAG_APPROVE),
    "forbidden_steps": (PENDING, FORBIDDEN_FROM_PENDING),
    "withdrawn_in_queue": (PENDING, WITHDRAWN_WHILE_IN_THE_QUEUE),
    "withdrawn_after_approval": (PENDING, WITHDRAWN_AFTER_APPROVAL),
    "withdrawn_while_hidden": (PENDING, WITHDRAWN_WHILE_HIDDEN),
    "duplicate": (PENDING, DUPLICATE),
    "post_moderation_hide_restore": (initial_status("post"), [("hide", {"reason": "scheldwoord"}, HIDDEN),
                                                              ("restore", {}, PENDING),
                                                              ("approve", {}, APPROVED)]),
}


def _story(status: str = PENDING) -> StoryState:
    return StoryState(id=1, status=status, text=TEXT, original_text=TEXT, kind="proud")


def run_scenario(start: str, steps):
    story, events = _story(start), []
    for number, (action, kwargs, expected) in enumerate(steps, start=1):
        if isinstance(expected, type) and issubclass(expected, Exception):
            with pytest.raises(expected):
                apply(story, action, actor="anna", now=NOW, **kwargs)
            continue  # a refused act changes nothing: `story` stays the same object
        before = story
        story, event = apply(story, action, actor="anna", now=NOW, **kwargs)
        assert story.status == expected, f"step {number} ({action}): {story.status} != {expected}"
        assert story.version == before.version + 1
        assert (event.action, event.actor, event.entity_id) == (action, "anna", 1)
        assert event.detail["from_status"] == before.status and event.detail["to_status"] == story.status
        events.append(event)
    return story, events


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario(name):
    start, steps = SCENARIOS[name]
    run_scenario(start, steps)


def test_every_status_change_in_the_table_is_covered_by_a_scenario():
    covered = {(action, frm) for start, steps in SCENARIOS.values()
               for frm, (action, _, _) in zip(_statuses(start, steps), steps) if action in ALLOWED_TRANSITIONS}
    table = {(action, frm) for action, (froms, _) in ALLOWED_TRANSITIONS.items() for frm in froms}
    assert table <= covered, table - covered


def _statuses(start, steps):
    """The status before each step (refused steps leave it unchanged)."""
    status, before = start, []
    for _, _, expected in steps:
        before.append(status)
        if isinstance(expected, str):
            status = expected
    return before


def test_can_matches_the_table():
    for action, (froms, _) in ALLOWED_TRANSITIONS.items():
        for status in (PENDING, APPROVED, HIDDEN, WITHDRAWN):
            assert can(action, status) == (status in froms)
    for action in EDIT_ACTIONS:
        assert can(action, PENDING) and can(action, HIDDEN) and not can(action, WITHDRAWN)


def test_withdraw_erases_the_content_and_the_audit_event_holds_none_of_it():
    story, events = run_scenario(PENDING, [("set_themes", {"value": ["Groen"]}, PENDING),
                                           ("withdraw", {}, WITHDRAWN)])
    assert (story.text, story.original_text, story.themes) == ("", "", ())
    assert "Jan" not in repr(events[-1])


def test_redact_keeps_the_original_and_marks_every_occurrence():
    story, events = run_scenario(PENDING, [("redact", {"value": "  0612345678 "}, PENDING),
                                           ("redact", {"value": "Kerkstraat"}, PENDING)])
    assert story.text == f"Bel Jan op {REDACTION_MARK} over de bankjes bij de {REDACTION_MARK}"
    assert story.original_text == TEXT
    assert events[0].detail["removed_characters"] == len("0612345678")
    twice = apply(_story(), "redact", actor="a", now=NOW, value="e")[0].text
    assert "e" not in twice.replace(REDACTION_MARK, "")


def test_mark_duplicate_records_the_original_and_the_reason():
    story, events = run_scenario(PENDING, [("mark_duplicate", {"value": 7, "reason": "zelfde verhaal"}, HIDDEN)])
    assert story.duplicate_of_id == 7 and events[0].reason == "zelfde verhaal"
    assert events[0].detail["duplicate_of"] == 7


def test_tag_edits_record_old_and_new():
    _, events = run_scenario(PENDING, [("set_kind", {"value": "idea"}, PENDING),
                                       ("set_dimension", {"value": None}, PENDING),
                                       ("set_themes", {"value": ("Groen", "Spelen")}, PENDING)])
    assert [(e.detail["old"], e.detail["new"]) for e in events] == [
        ("proud", "idea"), (None, None), ([], ["Groen", "Spelen"])]


def test_refusals_carry_a_message_in_both_languages():
    with pytest.raises(InvalidTransition) as err:
        apply(_story(APPROVED), "approve", actor="a", now=NOW)
    assert "Goedgekeurd" in err.value.nl and "Approved" in err.value.en
    assert err.value.nl in err.value.user_message and err.value.en in err.value.user_message


@pytest.mark.parametrize("action", [*ALLOWED_TRANSITIONS, *sorted(EDIT_ACTIONS)])
def test_a_withdrawn_story_refuses_every_act_saying_why(action):
    with pytest.raises(InvalidTransition) as err:
        apply(_story(WITHDRAWN), action, actor="a", now=NOW, reason="x", value="proud")
    assert "door de inzender ingetrokken" in err.value.nl and "author withdrew" in err.value.en


# (text, fragment, removed characters): every occurrence counts, the mark itself does not
REDACTIONS = [
    ("Bel Jan op 0612345678", "0612345678", 10),
    ("Jan, Jan en nog eens Jan", "Jan", 9),  # three times: 9, not the -1 issue 21 found
    ("aaaa", "aa", 4),  # non-overlapping, as str.replace counts them
    ("ab ab", " ab ", 4),  # stripped to "ab" first: twice
    ("x", "xyz", None),
]


@pytest.mark.parametrize(("text", "fragment", "removed"), REDACTIONS)
def test_redaction_records_how_many_characters_it_removed(text, fragment, removed):
    story = StoryState(id=1, status=PENDING, text=text, original_text=text, kind="proud")
    if removed is None:
        with pytest.raises(InvalidTransition):
            apply(story, "redact", actor="a", now=NOW, value=fragment)
        return
    redacted, event = apply(story, "redact", actor="a", now=NOW, value=fragment)
    assert event.detail["removed_characters"] == removed
    assert len(redacted.text) == len(text) - removed + redacted.text.count(REDACTION_MARK) * len(REDACTION_MARK)


@pytest.mark.parametrize(("action", "value"), [
    ("set_kind", None), ("set_kind", "None"), ("set_kind", "banana"), ("set_kind", ""), ("set_kind", ["proud"]),
    ("set_dimension", "banana"), ("set_dimension", "None"), ("set_dimension", "Voorzieningen"),
    ("set_dimension", ["voorzieningen"]),
], ids=repr)
def test_an_unknown_kind_or_dimension_is_refused(action, value):
    with pytest.raises(InvalidTransition):
        apply(_story(), action, actor="a", now=NOW, value=value)


@pytest.mark.parametrize(("value", "stored"), [(None, None), ("", None), ("voorzieningen", "voorzieningen")])
def test_no_dimension_is_allowed_too(value, stored):
    assert apply(_story(), "set_dimension", actor="a", now=NOW, value=value)[0].dimension == stored


# Written out here: the fields a withdrawal must empty are the promise (GDPR erasure), not a copy of the code.
ERASED_BY_WITHDRAWAL = {"text", "original_text", "themes", "dimension", "lat", "lon", "place_description", "age_band",
                        "relation", "photo_id", "receipt_hash"}


def test_one_definition_of_what_a_withdrawal_erases():
    assert set(WITHDRAWAL_LEAVES) == ERASED_BY_WITHDRAWAL
    assert erased_fields()["themes"] == [] and all(not v for v in erased_fields().values())
    tagged = replace(_story(), dimension="voorzieningen", themes=("Groen",))
    withdrawn, _ = apply(tagged, "withdraw", actor="resident", now=NOW)
    assert (withdrawn.text, withdrawn.original_text, withdrawn.themes, withdrawn.dimension) == ("", "", (), None)


@pytest.mark.parametrize(("kind", "dimension", "themes", "changes"), [
    ("proud", None, (), []),
    ("proud", "", [], []),  # "" from the form's empty choice is no dimension
    ("idea", None, (), [("set_kind", "idea")]),
    ("idea", "voorzieningen", ["Groen"], [("set_kind", "idea"), ("set_dimension", "voorzieningen"),
                                          ("set_themes", ("Groen",))]),
])
def test_tag_changes_are_only_what_differs(kind, dimension, themes, changes):
    assert tag_changes(_story(), kind=kind, dimension=dimension, themes=themes) == changes
