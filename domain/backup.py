"""Werksessie backups: the zip format (a versioned manifest, JSON lines, photos), its validation, the restore plan
with the id remapping, and a comparison of two backups that ignores ids. Pure: bytes and dicts in, bytes and
dataclasses out; storage/backup.py reads and writes the rows (docs/exports.md, "Backup en herstel").

A backup is for the organisation, not the public: every story in every status with its original text, photos,
profiles and receipt hashes. Withdrawn stories are in it as the contentless rows the database keeps.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from PIL import Image

from domain.errors import UserFacingError
from domain.models import DIMENSIONS, STORY_KINDS, STORY_STATUSES
from domain.moderation import WITHDRAWN, erased_fields
from domain.photos import MAX_SIDE, MAX_SOURCE_PIXELS, process_photo
from domain.sessions import (
    CLOSED,
    MAX_TITLE,
    OPEN,
    SessionInputError,
    SessionSettings,
    new_session_code,
    validate_settings,
)
from domain.stories import MAX_TEXT_CHARS, SubmissionRejected
from domain.themes import MAX_KEYWORD_CHARS, MAX_KEYWORDS_PER_DIMENSION

FORMAT = "buurtbeeld-werksessie-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_BACKUP_BYTES = 200 * 1024 * 1024  # Streamlit's default upload limit
MAX_RECORDS_BYTES = 100 * 1024 * 1024  # one JSON lines member, unpacked
MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # unpacked/packed above 1 MiB: JSON lines pack 5-30x, a zip bomb about 1000x
MAX_MEMBERS = 20_000
PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
PHOTO_FORMATS = {"image/jpeg": {"JPEG", "MPO"}, "image/png": {"PNG"}, "image/webp": {"WEBP"}}
PHOTO_MEMBER = re.compile(r"photos/[0-9]{6}\.(jpg|png|webp)")
PARTS = ("session", "stories", "photos", "themes", "votes", "actions", "audit_events")
INTEGER = (-2**31, 2**31 - 1)  # storage/tables.py's Integer columns: 32 bits on PostgreSQL
CODE = re.compile(r"[A-Z0-9]{6}")  # a code the join form keeps as typed (sessions.normalise_code), e.g. DEMO01


@dataclass(frozen=True)
class Field:
    kind: str  # int, float, str, bool, datetime, date, ints, strs, object
    nullable: bool = False
    max_length: int | None = None  # the column's length in storage/tables.py (tests compare them)
    choices: frozenset[str] | None = None
    bounds: tuple[float, float] | None = None  # for int (default INTEGER), ints and float


def _f(kind: str, max_length: int | None = None, *, null: bool = False, choices: Collection[str] | None = None,
       bounds: tuple[float, float] | None = None):
    if bounds is None and kind in ("int", "ints"):
        bounds = INTEGER
    return Field(kind, null, max_length, frozenset(choices) if choices else None, bounds)


# Format version 1: the fields of each member, exactly (a field more or less is refused).
RECORD_FIELDS: dict[str, dict[str, Field]] = {
    "session": {
        "id": _f("int"), "code": _f("str", 12), "title": _f("str", 200), "session_date": _f("date", null=True),
        "municipality_code": _f("str", 6), "municipality_name": _f("str", 200), "area_codes": _f("strs", 10),
        "prompts": _f("object"), "themes": _f("strs"), "settings": _f("object"),
        "status": _f("str", 10, choices=(OPEN, CLOSED)), "is_demo": _f("bool"), "created_at": _f("datetime"),
        "closed_at": _f("datetime", null=True)},
    "stories": {
        "id": _f("int"), "kind": _f("str", 20, choices=STORY_KINDS), "text": _f("str"), "original_text": _f("str"),
        "dimension": _f("str", 40, null=True), "themes": _f("strs"),
        "lat": _f("float", null=True, bounds=(-90, 90)), "lon": _f("float", null=True, bounds=(-180, 180)),
        "buurt_code": _f("str", 10, null=True),
        "place_description": _f("str", 200, null=True), "photo_id": _f("str", 40, null=True),
        "age_band": _f("str", 10, null=True), "relation": _f("str", 10, null=True), "language": _f("str", 8),
        "consent": _f("bool"), "receipt_hash": _f("str", 128, null=True),
        "submission_token": _f("str", 64, null=True), "status": _f("str", 12, choices=STORY_STATUSES),
        "duplicate_of_id": _f("int", null=True), "kiosk_id": _f("str", 64, null=True), "is_demo": _f("bool"),
        "version": _f("int", bounds=(1, INTEGER[1])), "created_at": _f("datetime"), "updated_at": _f("datetime")},
    "photos": {
        "id": _f("str", 40), "member": _f("str"), "mime": _f("str", 20, choices=PHOTO_EXTENSIONS),
        "width": _f("int", bounds=(1, INTEGER[1])), "height": _f("int", bounds=(1, INTEGER[1])),
        "created_at": _f("datetime")},
    "themes": {
        "id": _f("int"), "name": _f("str", 200), "story_ids": _f("ints"), "is_deleted": _f("bool"),
        "created_at": _f("datetime")},
    "votes": {"id": _f("int"), "theme_id": _f("int"), "voter_token": _f("str", 64), "created_at": _f("datetime")},
    "actions": {
        "id": _f("int"), "what": _f("str"), "owner": _f("str", 200), "due_date": _f("date", null=True),
        "buurt_codes": _f("strs", 10), "theme_ids": _f("ints"), "created_at": _f("datetime")},
    "audit_events": {
        "id": _f("int"), "entity": _f("str", 20), "entity_id": _f("int", null=True), "action": _f("str", 40),
        "actor": _f("str", 100), "reason": _f("str", null=True), "detail": _f("object"),
        "created_at": _f("datetime")},
}

# A session's settings, prompts and title as the facilitator form makes them. Settings may lack keys (they take
# SessionSettings' defaults) and unknown keys are ignored, both as SessionSettings.from_dict does; what
# validate_settings checks it says itself, the rest are the form's limits (components/session_form.py).
SETTINGS_FIELDS: dict[str, Field] = {
    "moderation": _f("str"), "generalise": _f("str"), "k": _f("int"), "idle_seconds": _f("int"),
    "languages": _f("strs", 8), "stats_indicator": _f("str", 100, null=True), "stats_layers": _f("strs", 100),
    "refresh_seconds": _f("int", bounds=(2, 120)), "dots_per_visit": _f("int"),
    "max_chars": _f("int", bounds=(1, MAX_TEXT_CHARS)), "keywords": _f("object")}
MAX_PROMPT = 200

# The id plan. Which fields point at which kind of row; on restore each is rewritten to the new row's id.
REFERENCES: dict[str, dict[str, str]] = {
    "stories": {"duplicate_of_id": "story", "photo_id": "photo"},
    "themes": {"story_ids": "story"},
    "votes": {"theme_id": "theme"},
    "actions": {"theme_ids": "theme"},
}
# Audit rows: what their entity_id points at, and the ids inside their detail, per (entity, action). Detail
# not listed here is copied as it is; `from_session` of a "duplicate" event keeps the source database's id.
AUDIT_ENTITIES = {"session": "session", "story": "story", "theme": "theme", "vote": "vote", "action": "action"}
AUDIT_DETAIL_REFERENCES: dict[tuple[str, str], dict[str, str]] = {
    ("story", "mark_duplicate"): {"duplicate_of": "story"},
    ("theme", "create"): {"story_ids": "story"},
    ("vote", "dot"): {"theme_id": "theme"},
    ("session", "relink"): {"changed": "story_changes", "outside": "story"},  # changed: [[id, old, new], …]
}
# What a withdrawal leaves of a story (domain/moderation.py); a backup never brings more of it back.
ERASED: dict[str, object] = erased_fields()


class BackupRejected(UserFacingError):
    """A backup cannot be made or restored; `key` names why. A restore that raises this stored nothing."""

    def __init__(self, key: str, nl: str, en: str):
        super().__init__(nl, en)
        self.key = key


@dataclass(frozen=True)
class Photo:
    record: dict  # the photos.jsonl fields ("member" is set by build_backup)
    data: bytes


@dataclass(frozen=True)
class SessionBackup:
    """One werksessie as plain records with decoded values (datetime, date), each part in id order."""

    session: dict
    stories: tuple[dict, ...] = ()
    photos: tuple[Photo, ...] = ()
    themes: tuple[dict, ...] = ()
    votes: tuple[dict, ...] = ()
    actions: tuple[dict, ...] = ()
    audit_events: tuple[dict, ...] = ()

    def records(self, part: str) -> tuple[dict, ...]:
        if part == "session":
            return (self.session,)
        if part == "photos":
            return tuple(p.record for p in self.photos)
        return getattr(self, part)

    def counts(self) -> dict[str, int]:
        return {part: len(self.records(part)) for part in PARTS if part != "session"}


@dataclass(frozen=True)
class Manifest:
    format_version: int
    app_schema: str
    created_at: datetime
    session_code: str
    session_title: str
    municipality_code: str
    municipality_name: str
    counts: dict[str, int]
    members: dict[str, dict]  # member name → {"sha256": hex, "bytes": n}


@dataclass(frozen=True)
class BackupArchive:
    manifest: Manifest
    backup: SessionBackup
    cleaned_photos: int = 0  # photos read_backup re-encoded (metadata, another format): the restore note says so


@dataclass(frozen=True)
class BackupFile:
    data: bytes
    file_name: str
    manifest: Manifest
    sha256: str


@dataclass(frozen=True)
class Note:
    """Something a restore changed or could not keep, in both languages."""

    key: str
    nl: str
    en: str


@dataclass(frozen=True)
class RestorePlan:
    code: str
    title: str
    cleared_receipts: frozenset[int]  # backup story ids whose receipt hash stays with the original here
    cleared_tokens: frozenset[int]
    notes: tuple[Note, ...]
    erased: frozenset[int] = frozenset()  # backup story ids withdrawn here since: restored as withdraw_story leaves them


@dataclass(frozen=True)
class RestoreResult:
    session_id: int
    code: str
    original_code: str
    title: str
    municipality_code: str
    municipality_name: str
    counts: dict[str, int]
    notes: tuple[Note, ...]


def member_name(part: str) -> str:
    return f"{part}.jsonl"


def backup_file_name(code: str, created_at: datetime) -> str:
    """Examples:
        >>> backup_file_name("K7Q4FX", datetime(2026, 11, 27, 21, 5, tzinfo=UTC))
        'buurtbeeld-backup-K7Q4FX-20261127-2105.zip'
    """
    return f"buurtbeeld-backup-{code}-{created_at.astimezone(UTC):%Y%m%d-%H%M}.zip"


def shown(name: object) -> str:
    """A name from an uploaded file, safe inside a message (which pages render as Markdown).

    Examples:
        >>> shown("../../etc/passwd"), shown("[klik](http://x)`")
        ('../../etc/passwd', '?klik??http?//x??')
    """
    return re.sub(r"[^A-Za-z0-9._/-]", "?", str(name))[:80]


def shown_text(value: object, limit: int = 80) -> str:
    """A name from an uploaded file (a municipality, say) as plain text inside a Markdown message: letters of any
    script, digits, spaces and ' ’ - . , ( ) / stay; anything that could start markup becomes "?".

    Examples:
        >>> shown_text("Súdwest-Fryslân"), shown_text("[klik](http://x) *vet*")
        ('Súdwest-Fryslân', '?klik?(http?//x) ?vet?')
    """
    text = " ".join(str(value).split())
    return "".join(ch if ch.isalnum() or ch in " '’-.,()/" else "?" for ch in text)[:limit]


# --- encoding and decoding one record ------------------------------------------------------------------------

def _encode(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def encode_record(part: str, record: Mapping) -> dict:
    return {name: _encode(record[name]) for name in RECORD_FIELDS[part]}


def _jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"
                   for r in records).encode("utf-8")


class _Problem(Exception):
    def __init__(self, nl: str, en: str):
        super().__init__(en)
        self.nl, self.en = nl, en


def _text_ok(value: object, spec: Field) -> str:
    if not isinstance(value, str):
        raise _Problem("is geen tekst", "is not text")
    if "\x00" in value:
        raise _Problem("bevat een NUL-teken", "contains a NUL character")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise _Problem(f"is langer dan {spec.max_length} tekens", f"is longer than {spec.max_length} characters")
    return value


def _int_ok(value: object, bounds: tuple[float, float] | None = INTEGER) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Problem("is geen geheel getal", "is not a whole number")
    return _in_bounds(value, bounds)


def _in_bounds(value, bounds: tuple[float, float] | None):
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        low, high = (f"{b:g}" if isinstance(b, float) else str(b) for b in bounds)
        raise _Problem(f"ligt buiten het bereik {low} tot {high}", f"is outside the range {low} to {high}")
    return value


def decode_value(spec: Field, value: object):
    """A JSON value checked against its field and turned into the Python value storage writes."""
    if value is None:
        if spec.nullable:
            return None
        raise _Problem("is leeg", "is empty")
    kind = spec.kind
    if kind == "int":
        return _int_ok(value, spec.bounds)
    if kind == "float":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _Problem("is geen getal", "is not a number")
        if not math.isfinite(value):  # json reads 1e999 as infinity
            raise _Problem("is geen eindig getal", "is not a finite number")
        return _in_bounds(float(value), spec.bounds)
    if kind == "bool":
        if not isinstance(value, bool):
            raise _Problem("is geen ja/nee-waarde", "is not true/false")
        return value
    if kind == "object":
        if not isinstance(value, dict):
            raise _Problem("is geen object", "is not an object")
        return value
    if kind in ("ints", "strs"):
        if not isinstance(value, list):
            raise _Problem("is geen lijst", "is not a list")
        item = Field("str", max_length=spec.max_length)
        return [_int_ok(v, spec.bounds) if kind == "ints" else _text_ok(v, item) for v in value]
    text = _text_ok(value, Field("str") if kind in ("datetime", "date") else spec)
    if kind == "str":
        if spec.choices is not None and text not in spec.choices:
            raise _Problem("heeft een onbekende waarde", "has an unknown value")
        return text
    try:
        if kind == "date":
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Problem("is geen geldige datum of tijd", "is not a valid date or time") from None
    if moment.tzinfo is None:
        raise _Problem("heeft geen tijdzone", "has no time zone")
    return moment.astimezone(UTC)


def decode_record(part: str, raw: object, line: int) -> dict:
    """Exactly the fields of RECORD_FIELDS[part], each checked; `line` (from 1) is named in the message."""
    where, where_en = f"`{member_name(part)}`, regel {line}", f"`{member_name(part)}`, line {line}"
    if not isinstance(raw, dict):
        raise _rejected("bad_record", f"{where} is geen JSON-object.", f"{where_en} is not a JSON object.")
    spec = RECORD_FIELDS[part]
    unknown, missing = sorted(set(raw) - set(spec)), sorted(set(spec) - set(raw))
    if unknown:
        raise _rejected("unknown_field", f"{where} heeft een onbekend veld `{shown(unknown[0])}`. Is de backup "
                        "met een nieuwere versie van Buurtbeeld gemaakt, of met de hand bewerkt?",
                        f"{where_en} has an unknown field `{shown(unknown[0])}`. Was the backup made by a newer "
                        "version of Buurtbeeld, or edited by hand?")
    if missing:
        raise _rejected("missing_field", f"{where} mist het veld `{missing[0]}`.",
                        f"{where_en} lacks the field `{missing[0]}`.")
    record = {}
    for name, field_spec in spec.items():
        try:
            record[name] = decode_value(field_spec, raw[name])
        except _Problem as problem:
            raise _rejected("bad_record", f"{where}: het veld `{name}` {problem.nl}.",
                            f"{where_en}: the field `{name}` {problem.en}.") from None
    return record


def _rejected(key: str, nl: str, en: str) -> BackupRejected:
    return BackupRejected(key, nl, en)


def _bad_settings(field: str, problem: _Problem) -> BackupRejected:
    return _rejected("bad_settings", f"De sessie in deze backup heeft instellingen die Buurtbeeld niet zou opslaan: "
                     f"`{field}` {problem.nl}. Is de backup met de hand bewerkt?",
                     f"The session in this backup has settings Buurtbeeld would not save: `{field}` {problem.en}. "
                     "Was the backup edited by hand?")


def _check_keywords(value: dict) -> None:
    words = Field("strs", max_length=MAX_KEYWORD_CHARS)
    for dimension, listed in value.items():
        if dimension not in DIMENSIONS:
            raise _Problem(f"noemt een onbekende dimensie `{shown(dimension)}`",
                           f"names an unknown dimension `{shown(dimension)}`")
        if len(decode_value(words, listed)) > MAX_KEYWORDS_PER_DIMENSION:
            raise _Problem(f"heeft meer dan {MAX_KEYWORDS_PER_DIMENSION} woorden per dimensie",
                           f"has more than {MAX_KEYWORDS_PER_DIMENSION} words per dimension")


def _check_prompts(value: dict) -> None:
    for kind, wording in value.items():
        if kind not in STORY_KINDS or not isinstance(wording, dict):
            raise _Problem("is geen tekst per soort verhaal en taal", "is not a text per kind of story and language")
        for lang, text in wording.items():
            _text_ok(lang, Field("str", max_length=8))
            _text_ok(text, Field("str", max_length=MAX_PROMPT))


def check_session_values(record: Mapping) -> SessionSettings:
    """The session's title, prompts and settings as the facilitator form would have stored them: a title of at
    most MAX_TITLE characters that is not blank, prompts per kind and language, and settings of the right types
    (SETTINGS_FIELDS) that pass validate_settings. Returns the settings; raises BackupRejected otherwise."""
    title = " ".join(record["title"].split())
    if not title or len(title) > MAX_TITLE:
        raise _rejected("bad_record", f"`{member_name('session')}`, regel 1: het veld `title` is leeg of langer dan "
                        f"{MAX_TITLE} tekens.", f"`{member_name('session')}`, line 1: the field `title` is blank or "
                        f"longer than {MAX_TITLE} characters.")
    try:
        _check_prompts(record["prompts"])
    except _Problem as problem:
        raise _bad_settings("prompts", problem) from None
    raw = record["settings"]
    known = {name: raw[name] for name in SETTINGS_FIELDS if name in raw}
    for name, value in known.items():
        try:
            decode_value(SETTINGS_FIELDS[name], value)
            if name == "keywords":
                _check_keywords(value)
        except _Problem as problem:
            raise _bad_settings(name, problem) from None
    try:
        return validate_settings(SessionSettings.from_dict(known))
    except SessionInputError as err:
        raise _rejected("bad_settings", f"De sessie in deze backup heeft instellingen die Buurtbeeld niet zou "
                        f"opslaan. {err.nl}", f"The session in this backup has settings Buurtbeeld would not save. "
                        f"{err.en}") from None


# --- consistency: ids, references, erased stories --------------------------------------------------------------

def _map(value, kind: str, maps: Mapping[str, Mapping]):
    if value is None:
        return None
    if kind == "story_changes":
        return [[maps["story"][change[0]], *change[1:]] for change in value]
    if isinstance(value, list):
        return [maps[kind][v] for v in value]
    return maps[kind][value]


def remap_record(part: str, record: dict, maps: Mapping[str, Mapping]) -> dict:
    """The record with every reference of REFERENCES[part] rewritten through `maps` (kind → old id → new).

    Examples:
        >>> remap_record("themes", {"id": 4, "story_ids": [7, 9]}, {"story": {7: 70, 9: 90}})
        {'id': 4, 'story_ids': [70, 90]}
    """
    return {**record, **{name: _map(record[name], kind, maps) for name, kind in REFERENCES.get(part, {}).items()}}


def remap_audit(record: dict, maps: Mapping[str, Mapping]) -> dict:
    """An audit record with its entity_id and the ids in its detail rewritten (AUDIT_DETAIL_REFERENCES).

    Examples:
        >>> remap_audit({"entity": "vote", "entity_id": 3, "action": "dot", "detail": {"theme_id": 5}},
        ...             {"vote": {3: 30}, "theme": {5: 50}})
        {'entity': 'vote', 'entity_id': 30, 'action': 'dot', 'detail': {'theme_id': 50}}
    """
    kind = AUDIT_ENTITIES[record["entity"]]
    detail = dict(record["detail"])
    for key, ref_kind in AUDIT_DETAIL_REFERENCES.get((record["entity"], record["action"]), {}).items():
        if key in detail:
            detail[key] = _map(detail[key], ref_kind, maps)
    return {**record, "entity_id": _map(record["entity_id"], kind, maps), "detail": detail}


def _identity_maps(backup: SessionBackup) -> dict[str, dict]:
    def ids(part: str) -> dict:
        return {r["id"]: r["id"] for r in backup.records(part)}

    return {"session": {backup.session["id"]: backup.session["id"]}, "story": ids("stories"),
            "photo": ids("photos"), "theme": ids("themes"), "vote": ids("votes"), "action": ids("actions")}


def check_consistency(backup: SessionBackup) -> None:
    """Unique ids, every reference pointing inside the backup, withdrawn stories erased, known audit entities."""
    for part in PARTS:
        ids = [r["id"] for r in backup.records(part)]
        if len(set(ids)) != len(ids):
            raise _rejected("inconsistent", f"`{member_name(part)}` bevat een id twee keer.",
                            f"`{member_name(part)}` holds an id twice.")
    maps = _identity_maps(backup)
    for part in REFERENCES:
        for record in backup.records(part):
            try:
                remap_record(part, record, maps)
            except (KeyError, TypeError, IndexError):
                raise _dangling(part, record["id"]) from None
    for story in backup.stories:
        if story["duplicate_of_id"] == story["id"]:
            raise _dangling("stories", story["id"])
        if story["status"] == WITHDRAWN and any(story[k] != v for k, v in ERASED.items()):
            raise _rejected("withdrawn_content",
                            f"Verhaal {story['id']} is ingetrokken maar heeft nog inhoud. Een ingetrokken verhaal "
                            "blijft gewist; deze backup is met de hand bewerkt of beschadigd.",
                            f"Story {story['id']} was withdrawn but still has content. A withdrawn story stays "
                            "erased; this backup was edited by hand or is damaged.")
    if set(maps["photo"]) - {s["photo_id"] for s in backup.stories}:
        raise _rejected("inconsistent", "`photos.jsonl` bevat een foto waar geen verhaal naar verwijst.",
                        "`photos.jsonl` holds a photo that no story refers to.")
    for event in backup.audit_events:
        if event["entity"] not in AUDIT_ENTITIES:
            raise _rejected("inconsistent", f"Logboekregel {event['id']} gaat over iets onbekends "
                            f"(`{shown(event['entity'])}`).",
                            f"Audit row {event['id']} is about something unknown (`{shown(event['entity'])}`).")
        try:
            remap_audit(event, maps)
        except (KeyError, TypeError, IndexError):
            raise _dangling("audit_events", event["id"]) from None


def _dangling(part: str, record_id) -> BackupRejected:
    return _rejected("inconsistent", f"Regel met id {shown(record_id)} in `{member_name(part)}` verwijst naar iets "
                     "dat niet in de backup staat.",
                     f"The row with id {shown(record_id)} in `{member_name(part)}` refers to something that is not "
                     "in the backup.")


# --- building the zip ---------------------------------------------------------------------------------------------

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest_json(manifest: Manifest) -> bytes:
    raw = {"format": FORMAT, "format_version": manifest.format_version, "app_schema": manifest.app_schema,
           "created_at": _encode(manifest.created_at), "contains_personal_data": True,
           "session": {"code": manifest.session_code, "title": manifest.session_title,
                       "municipality_code": manifest.municipality_code,
                       "municipality_name": manifest.municipality_name},
           "counts": manifest.counts, "members": manifest.members}
    return json.dumps(raw, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def build_backup(backup: SessionBackup, *, app_schema: str, created_at: datetime) -> BackupFile:
    """The zip of one session. Photos are named photos/000001.jpg … in the order given; every record is checked
    as a restore would check it, so a backup that could not be restored is never handed out."""
    photos = tuple(Photo({**p.record, "member": f"photos/{i:06d}.{PHOTO_EXTENSIONS.get(p.record['mime'], 'bin')}"},
                         p.data) for i, p in enumerate(backup.photos, start=1))
    backup = replace(backup, photos=photos)
    payloads: dict[str, bytes] = {}
    for part in PARTS:
        encoded = [encode_record(part, r) for r in backup.records(part)]
        for i, record in enumerate(encoded, start=1):
            decode_record(part, record, i)
        payloads[member_name(part)] = _jsonl(encoded)
    check_session_values(backup.session)
    check_consistency(backup)
    for photo in photos:
        payloads[photo.record["member"]] = photo.data
    manifest = Manifest(FORMAT_VERSION, app_schema, created_at.astimezone(UTC), backup.session["code"],
                        backup.session["title"], backup.session["municipality_code"],
                        backup.session["municipality_name"], backup.counts(),
                        {name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in payloads.items()})
    buffer = io.BytesIO()
    stamp = created_at.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [(MANIFEST, _manifest_json(manifest)), *payloads.items()]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name.startswith("photos/") else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    data = buffer.getvalue()
    return BackupFile(data, backup_file_name(manifest.session_code, created_at), manifest, _sha256(data))


# --- reading and validating the zip ----------------------------------------------------------------------------

def _expected_member(name: str) -> bool:
    return name == MANIFEST or name in {member_name(p) for p in PARTS} or PHOTO_MEMBER.fullmatch(name) is not None


def _open_zip(data: bytes) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    if len(data) > MAX_BACKUP_BYTES:
        mb = MAX_BACKUP_BYTES // (1024 * 1024)
        raise _rejected("too_large", f"Het bestand is groter dan {mb} MB; zo groot wordt een backup van één "
                        "werksessie niet.", f"The file is larger than {mb} MB; a backup of one session never is.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _rejected("not_a_zip", "Dit is geen ZIP-bestand, of het is beschadigd.",
                        "This is not a ZIP file, or it is damaged.") from None
    if len(infos) > MAX_MEMBERS:
        raise _rejected("too_many_members", "Het bestand bevat te veel onderdelen voor een backup.",
                        "The file holds too many parts for a backup.")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if not _expected_member(name):
            raise _rejected("unexpected_member", f"Het bestand bevat `{shown(name)}`, dat niet in een "
                            "Buurtbeeld-backup hoort.", f"The file contains `{shown(name)}`, which does not belong "
                            "in a Buurtbeeld backup.")
        if name in members:
            raise _rejected("duplicate_member", f"`{shown(name)}` staat twee keer in het bestand.",
                            f"`{shown(name)}` is in the file twice.")
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _rejected("unsupported_member", f"`{shown(name)}` is versleuteld of op een onbekende manier "
                            "ingepakt.", f"`{shown(name)}` is encrypted or packed in an unknown way.")
        limit = MAX_PHOTO_BYTES if name.startswith("photos/") else MAX_RECORDS_BYTES
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limit or total > MAX_UNPACKED_BYTES or (info.file_size > 2**20 and ratio > MAX_RATIO):
            raise _rejected("zip_bomb", f"`{shown(name)}` pakt uit tot veel meer dan een backup kan bevatten.",
                            f"`{shown(name)}` unpacks to far more than a backup can hold.")
        members[name] = info
    return archive, members


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(info) as handle:
            return handle.read(info.file_size + 1)
    # zlib.error: a broken deflate stream; RuntimeError: zipfile on a member it cannot decrypt or decode
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        raise _rejected("damaged_member", f"`{shown(info.filename)}` is beschadigd.",
                        f"`{shown(info.filename)}` is damaged.") from None


def _strict_json(text: str):
    def no_constant(name: str):
        raise ValueError(name)

    return json.loads(text, parse_constant=no_constant)


def _parse_manifest(raw: bytes) -> Manifest:
    def bad(what_nl: str, what_en: str) -> BackupRejected:
        return _rejected("bad_manifest", f"`{MANIFEST}` klopt niet: {what_nl}.", f"`{MANIFEST}` is not valid: "
                         f"{what_en}.")

    try:
        data = _strict_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad("het is geen JSON", "it is not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _rejected("not_a_backup", "Dit ZIP-bestand is geen backup van een Buurtbeeld-werksessie.",
                        "This ZIP file is not a backup of a Buurtbeeld session.")
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise bad("de formaatversie ontbreekt", "the format version is missing")
    if version > FORMAT_VERSION:
        raise _rejected("newer_version", f"Deze backup heeft formaatversie {version}; deze versie van Buurtbeeld "
                        f"kent versie {FORMAT_VERSION}. Werk Buurtbeeld eerst bij en herstel dan opnieuw.",
                        f"This backup has format version {version}; this version of Buurtbeeld knows version "
                        f"{FORMAT_VERSION}. Update Buurtbeeld first, then restore again.")
    fields = {"format", "format_version", "app_schema", "created_at", "contains_personal_data", "session", "counts",
              "members"}
    if set(data) != fields:
        odd = min(set(data) ^ fields)
        raise bad(f"veld `{shown(odd)}` is onbekend of ontbreekt", f"field `{shown(odd)}` is unknown or missing")
    session, counts, members = data["session"], data["counts"], data["members"]
    session_fields = {"code", "title", "municipality_code", "municipality_name"}
    if not isinstance(session, dict) or set(session) != session_fields or \
            not all(isinstance(v, str) for v in session.values()):
        raise bad("`session` heeft niet de verwachte velden", "`session` lacks the expected fields")
    count_fields = set(PARTS) - {"session"}
    if not isinstance(counts, dict) or set(counts) != count_fields or \
            not all(isinstance(v, int) and not isinstance(v, bool) for v in counts.values()):
        raise bad("`counts` heeft niet de verwachte velden", "`counts` lacks the expected fields")
    if not isinstance(members, dict) or not all(
            isinstance(v, dict) and set(v) == {"sha256", "bytes"} and isinstance(v["sha256"], str)
            and isinstance(v["bytes"], int) for v in members.values()):
        raise bad("`members` heeft niet de verwachte vorm", "`members` does not have the expected shape")
    try:
        created_at = decode_value(Field("datetime"), data["created_at"])
        app_schema = decode_value(Field("str", max_length=64), data["app_schema"])
    except _Problem:
        raise bad("`created_at` of `app_schema` is ongeldig", "`created_at` or `app_schema` is invalid") from None
    return Manifest(version, app_schema, created_at, session["code"], session["title"], session["municipality_code"],
                    session["municipality_name"], dict(counts), dict(members))


def _records(part: str, raw: bytes) -> list[dict]:
    name = member_name(part)
    try:
        lines = raw.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise _rejected("bad_record", f"`{name}` is geen UTF-8-tekst.", f"`{name}` is not UTF-8 text.") from None
    if lines and lines[-1] == "":
        lines.pop()
    records = []
    for number, line in enumerate(lines, start=1):
        try:
            raw_record = _strict_json(line)
        except (ValueError, RecursionError):
            raise _rejected("bad_record", f"`{name}`, regel {number} is geen geldige JSON.",
                            f"`{name}`, line {number} is not valid JSON.") from None
        records.append(decode_record(part, raw_record, number))
    return records


# JPEG markers of a photo as domain/photos.py writes it: tables, frame (baseline, extended, progressive), restart
# interval and scans. APP0 is allowed only as the 16-byte JFIF header; any other APPn (EXIF, XMP, ICC, MPF) or a
# comment, and anything after the end marker, makes read_backup re-encode the photo.
_JPEG_TABLES_AND_SCANS = {0xDB, 0xC4, 0xC0, 0xC1, 0xC2, 0xDD, 0xDA}


def _plain_jpeg(data: bytes) -> bool:
    """Whether a JPEG holds nothing but its image, as process_photo writes it (see _JPEG_TABLES_AND_SCANS)."""
    if not data.startswith(b"\xff\xd8"):
        return False
    at, end = 2, len(data)
    while at + 4 <= end and data[at] == 0xFF:
        marker, length = data[at + 1], int.from_bytes(data[at + 2:at + 4], "big")
        if length < 2 or at + 2 + length > end:
            return False
        if marker == 0xE0:
            if length != 16 or data[at + 4:at + 9] != b"JFIF\x00":
                return False
        elif marker not in _JPEG_TABLES_AND_SCANS:
            return False
        at += 2 + length
        if marker == 0xDA:  # entropy-coded data runs to the next marker that is not a stuffed 0xFF or a restart
            while True:
                at = data.find(b"\xff", at)
                if at == -1 or at + 1 >= end:
                    return False
                if data[at + 1] == 0 or 0xD0 <= data[at + 1] <= 0xD7:
                    at += 2
                    continue
                if data[at + 1] == 0xD9:
                    return at + 2 == end
                break
    return False


def _without_comments(data: bytes) -> bytes:
    """A JPEG from process_photo without the comment segments Pillow copies over from the source's `comment`."""
    out, at = bytearray(data[:2]), 2
    while at + 4 <= len(data) and data[at] == 0xFF and data[at + 1] != 0xDA:
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if data[at + 1] != 0xFE:
            out += data[at:at + 2 + length]
        at += 2 + length
    return bytes(out + data[at:])


def _check_photo(photo: Photo) -> tuple[Photo, bool]:
    """The photo as it will be stored, and whether it had to be re-encoded: a plain JPEG of at most MAX_SIDE pixels
    a side is kept byte for byte (a backup of the app's own photos restores unchanged); anything else goes through
    process_photo like a kiosk upload, so a hand-edited backup cannot bring EXIF or GPS into the database."""
    record = photo.record
    bad = _rejected("bad_photo", f"`{shown(record['member'])}` is geen foto zoals de backup die beschrijft.",
                    f"`{shown(record['member'])}` is not the photo the backup describes.")
    try:
        with Image.open(io.BytesIO(photo.data)) as probe:
            size, image_format = probe.size, probe.format
            probe.verify()
    except Exception:  # Pillow raises many types for broken files
        size, image_format = None, None
    expected = PHOTO_EXTENSIONS[record["mime"]]
    if image_format not in PHOTO_FORMATS[record["mime"]] or size != (record["width"], record["height"]) \
            or not record["member"].endswith(f".{expected}"):
        raise bad
    if image_format == "JPEG" and max(size) <= MAX_SIDE and _plain_jpeg(photo.data):
        try:
            with Image.open(io.BytesIO(photo.data)) as image:
                image.load()  # verify() reads no pixels; a broken scan must not reach the database either
        except Exception:  # Pillow raises many types for broken files
            raise bad from None
        return photo, False
    try:
        processed = process_photo(photo.data, max_bytes=MAX_PHOTO_BYTES, max_pixels=MAX_SOURCE_PIXELS)
    except SubmissionRejected:
        raise bad from None
    data = _without_comments(processed.data)
    if not _plain_jpeg(data):
        raise bad
    cleaned = {**record, "mime": processed.mime, "width": processed.width, "height": processed.height}
    return Photo(cleaned, data), True


def read_backup(data: bytes) -> BackupArchive:
    """Open and check a backup completely before anything is written: only the expected member names, sizes
    (zip bombs), the manifest and its format version, every checksum and count, every field of every record,
    and every reference. Raises BackupRejected naming the first problem."""
    archive, members = _open_zip(data)
    with archive:
        if MANIFEST not in members:
            raise _rejected("missing_member", f"`{MANIFEST}` ontbreekt; dit is geen volledige backup.",
                            f"`{MANIFEST}` is missing; this is not a complete backup.")
        manifest = _parse_manifest(_read_member(archive, members[MANIFEST]))
        for name in sorted({member_name(p) for p in PARTS} | set(manifest.members)):
            if name not in members:
                raise _rejected("missing_member", f"`{shown(name)}` ontbreekt in het bestand.",
                                f"`{shown(name)}` is missing from the file.")
            if name not in manifest.members:
                raise _rejected("unlisted_member", f"`{shown(name)}` staat niet in `{MANIFEST}`.",
                                f"`{shown(name)}` is not listed in `{MANIFEST}`.")
        unlisted = sorted(set(members) - set(manifest.members) - {MANIFEST})
        if unlisted:
            raise _rejected("unlisted_member", f"`{shown(unlisted[0])}` staat niet in `{MANIFEST}`.",
                            f"`{shown(unlisted[0])}` is not listed in `{MANIFEST}`.")
        payloads = {}
        for name, expected in manifest.members.items():
            payload = _read_member(archive, members[name])
            if len(payload) != expected["bytes"] or _sha256(payload) != expected["sha256"].lower():
                raise _rejected("checksum", f"De controlesom van `{shown(name)}` klopt niet: het bestand is "
                                "beschadigd of veranderd.",
                                f"The checksum of `{shown(name)}` does not match: the file is damaged or was "
                                "changed.")
            payloads[name] = payload
    parts = {part: _records(part, payloads[member_name(part)]) for part in PARTS}
    if len(parts["session"]) != 1:
        raise _rejected("inconsistent", "`session.jsonl` moet precies één sessie bevatten.",
                        "`session.jsonl` must hold exactly one session.")
    photo_names = {r["member"] for r in parts["photos"]}
    photo_members = {name for name in payloads if name.startswith("photos/")}
    if photo_names != photo_members or len(photo_names) != len(parts["photos"]):
        raise _rejected("inconsistent", "De foto's in het bestand passen niet bij `photos.jsonl`.",
                        "The photos in the file do not match `photos.jsonl`.")
    photos = tuple(Photo(r, payloads[r["member"]]) for r in parts["photos"])
    backup = SessionBackup(parts["session"][0], tuple(parts["stories"]), photos, tuple(parts["themes"]),
                           tuple(parts["votes"]), tuple(parts["actions"]), tuple(parts["audit_events"]))
    session = backup.session
    if backup.counts() != manifest.counts or (manifest.session_code, manifest.session_title,
                                              manifest.municipality_code, manifest.municipality_name) != (
            session["code"], session["title"], session["municipality_code"], session["municipality_name"]):
        raise _rejected("inconsistent", f"`{MANIFEST}` past niet bij de inhoud van de backup.",
                        f"`{MANIFEST}` does not match the contents of the backup.")
    check_session_values(session)
    check_consistency(backup)
    checked = [_check_photo(photo) for photo in photos]
    backup = replace(backup, photos=tuple(photo for photo, _ in checked))
    return BackupArchive(manifest, backup, sum(cleaned for _, cleaned in checked))


# --- the restore plan -----------------------------------------------------------------------------------------

def restored_title(title: str, existing_titles: Collection[str]) -> str:
    """The title, or with " (hersteld)", " (hersteld 2)", … when the municipality already has it.

    Examples:
        >>> restored_title("Avond", ["Avond", "avond (hersteld)"])
        'Avond (hersteld 2)'
    """
    taken = {t.casefold() for t in existing_titles}
    if title.casefold() not in taken:
        return title
    for n in range(1, 1000):
        suffix = " (hersteld)" if n == 1 else f" (hersteld {n})"
        candidate = title[:MAX_TITLE - len(suffix)].rstrip() + suffix
        if candidate.casefold() not in taken:
            return candidate
    raise AssertionError("unreachable: fewer than 1000 sessions share a title")


def _free_code(code_taken: Callable[[str], bool], draw_code: Callable[[], str]) -> str:
    for _ in range(50):
        new = draw_code()
        if not code_taken(new):
            return new
    raise RuntimeError("could not find a free session code")


def plan_restore(archive: BackupArchive, *, code_taken: Callable[[str], bool], existing_titles: Collection[str],
                 taken_receipts: Mapping[str, str], taken_tokens: Mapping[str, str], known_buurten: Collection[str],
                 app_schema: str, draw_code: Callable[[], str] = new_session_code) -> RestorePlan:
    """What a restore keeps and what it must change to fit this database, with a note for each change.

    `taken_receipts` and `taken_tokens` map the receipt hashes and submission tokens of the backup's stories that
    stories here already have to the status of those stories here. A story here that is withdrawn was withdrawn by
    its resident after the backup was made: its copy is erased too (`erased`), never brought back."""
    backup, manifest = archive.backup, archive.manifest
    notes: list[Note] = []
    code = backup.session["code"]
    if not CODE.fullmatch(code):
        new = _free_code(code_taken, draw_code)
        notes.append(Note("code_invalid", f"De sessiecode `{shown(code)}` in de backup is geen code die het "
                          f"aanmeldscherm van de kiosk accepteert (zes hoofdletters of cijfers). De herstelde sessie "
                          f"heeft de nieuwe code {new}.", f"The session code `{shown(code)}` in the backup is not a "
                          "code the kiosk's join screen accepts (six capital letters or digits). The restored "
                          f"session has the new code {new}."))
        code = new
    elif code_taken(code):
        new = _free_code(code_taken, draw_code)
        notes.append(Note("code_changed", f"De sessiecode {code} is in deze database al in gebruik. De herstelde "
                          f"sessie heeft de nieuwe code {new}; kiosken en QR-codes met {code} komen bij de "
                          "bestaande sessie uit.", f"The session code {code} is already in use in this database. "
                          f"The restored session has the new code {new}; kiosks and QR codes with {code} reach "
                          "the existing session."))
        code = new
    title = restored_title(backup.session["title"], existing_titles)
    if title != backup.session["title"]:
        notes.append(Note("title_changed", "Er is in deze gemeente al een sessie met dezelfde titel; de herstelde "
                          "sessie kreeg ‘(hersteld)’ achter haar titel.", "This municipality already has a "
                          "session with the same title; the restored one got ‘(hersteld)’ added to its title."))
    cleared_receipts = frozenset(s["id"] for s in backup.stories if s["receipt_hash"] in taken_receipts)
    cleared_tokens = frozenset(s["id"] for s in backup.stories if s["submission_token"] in taken_tokens)
    if cleared_receipts:
        n = len(cleared_receipts)
        notes.append(Note("receipts_kept", f"{n} ontvangstcode(s) horen al bij verhalen in deze database (de "
                          "oorspronkelijke sessie staat hier ook). Die codes blijven bij de originelen: wie met zo'n "
                          "code intrekt, wist het origineel, niet de kopie. Wis de kopie dan met de hand.",
                          f"{n} receipt code(s) already belong to stories in this database (the original session "
                          "is here too). Those codes stay with the originals: a resident who withdraws with one "
                          "erases the original, not the copy. Erase the copy by hand then."))
    withdrawn_here = {value for taken in (taken_receipts, taken_tokens) for value, status in taken.items()
                      if status == WITHDRAWN}
    erased = frozenset(s["id"] for s in backup.stories if s["status"] != WITHDRAWN
                       and {s["receipt_hash"], s["submission_token"]} & withdrawn_here)
    if erased:
        n = len(erased)
        one = n == 1
        notes.append(Note("withdrawn_here", f"{n} {'verhaal' if one else 'verhalen'} uit de backup "
                          f"{'is' if one else 'zijn'} na het maken van de backup in deze database door de bewoner "
                          "ingetrokken. De kopie is daarom ook gewist: ingetrokken, zonder tekst, plek, profiel of "
                          "foto.", f"{n} {'story' if one else 'stories'} in the backup {'was' if one else 'were'} "
                          "withdrawn by the resident in this database after the backup was made. The copy is "
                          "erased as well: withdrawn, without text, place, profile or photo."))
    known = set(known_buurten)
    strange = sorted({s["buurt_code"] for s in backup.stories if s["buurt_code"] and s["buurt_code"] not in known}
                     | {c for c in backup.session["area_codes"] if c not in known})
    if strange:
        listed = ", ".join(shown(c) for c in strange[:10]) + (" …" if len(strange) > 10 else "")
        notes.append(Note("unknown_buurten", f"{len(strange)} buurtcode(s) van deze sessie zijn hier niet geladen "
                          f"(een andere jaargang van de buurtgrenzen?): {listed}. De verhalen zijn hersteld zoals "
                          "ze waren; ze staan niet op de kaart tot die buurten er zijn.",
                          f"{len(strange)} buurt code(s) of this session are not loaded here (another year of the "
                          f"boundaries?): {listed}. The stories were restored as they were; they are not on the "
                          "map until those buurten are."))
    if manifest.app_schema != app_schema:
        notes.append(Note("schema_differs", f"De backup is gemaakt met databaseschema {shown(manifest.app_schema)}, "
                          f"deze database heeft {shown(app_schema)}. Het backupformaat (versie "
                          f"{manifest.format_version}) is hetzelfde, er ontbreekt niets.",
                          f"The backup was made with database schema {shown(manifest.app_schema)}, this database "
                          f"has {shown(app_schema)}. The backup format (version {manifest.format_version}) is the "
                          "same; nothing is missing."))
    if archive.cleaned_photos:
        n = archive.cleaned_photos
        notes.append(Note("photos_cleaned", f"{n} foto('s) in de backup {'had' if n == 1 else 'hadden'} extra "
                          "gegevens (zoals EXIF of GPS) of een ander formaat dan Buurtbeeld opslaat. Ze zijn "
                          "opnieuw opgeslagen zoals de kiosk dat doet: als JPEG, zonder die gegevens.",
                          f"{n} photo(s) in the backup carried extra data (such as EXIF or GPS) or a format "
                          "Buurtbeeld does not store. They were stored again as the kiosk does: as JPEG, without "
                          "that data."))
    return RestorePlan(code, title, cleared_receipts, cleared_tokens, tuple(notes), erased)


def is_restore_of(event: Mapping, manifest: Manifest) -> bool:
    """Whether an audit record is the "restore" row that restoring the backup with `manifest` wrote."""
    detail = event.get("detail") or {}
    return (event.get("entity"), event.get("action")) == ("session", "restore") and \
        detail.get("from_code") == manifest.session_code and \
        detail.get("backup_created_at") == _encode(manifest.created_at)


def comparable(archive: BackupArchive, *, ignore_restore_of: Manifest | None = None) -> dict:
    """The backup's content with ids replaced by their rank within their part, the session's code by a
    placeholder and photo ids by their member name, so two backups of the same content compare equal wherever
    they were made. With `ignore_restore_of`, the audit row of that restore is left out."""
    backup = archive.backup
    events = [e for e in backup.audit_events if not (ignore_restore_of and is_restore_of(e, ignore_restore_of))]

    def ranks(records) -> dict:
        return {r["id"]: rank for rank, r in enumerate(sorted(records, key=lambda r: r["id"]), start=1)}

    maps = {"session": {backup.session["id"]: 1}, "story": ranks(backup.stories), "theme": ranks(backup.themes),
            "vote": ranks(backup.votes), "action": ranks(backup.actions),
            "photo": {p.record["id"]: p.record["member"] for p in backup.photos}}
    events_rank = ranks(events)

    def encoded(part, records, id_map):
        return [encode_record(part, {**r, "id": id_map[r["id"]]}) for r in records]

    return {
        "session": encode_record("session", {**backup.session, "id": 1, "code": "<code>"}),
        "stories": encoded("stories", [remap_record("stories", s, maps) for s in backup.stories], maps["story"]),
        "photos": [{**encode_record("photos", {**p.record, "id": p.record["member"]}), "sha256": _sha256(p.data)}
                   for p in backup.photos],
        "themes": encoded("themes", [remap_record("themes", t, maps) for t in backup.themes], maps["theme"]),
        "votes": encoded("votes", [remap_record("votes", v, maps) for v in backup.votes], maps["vote"]),
        "actions": encoded("actions", [remap_record("actions", a, maps) for a in backup.actions], maps["action"]),
        "audit_events": encoded("audit_events", [remap_audit(e, maps) for e in events], events_rank),
    }
