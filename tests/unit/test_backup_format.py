"""The werksessie backup format (domain/backup.py) without a database: a hand-made session with a story in every
status, a photo, a theme, dots, an action and audit rows is built into a zip and read back; then the zip is
broken one way at a time (table below) and every break is refused with its own reason before anything could be
written. Also the restore plan (code and title clashes, receipts, unknown buurten) and the id-free comparison."""
from __future__ import annotations

import io
import json
import warnings
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from PIL import Image

from domain import backup as fmt
from domain.backup import BackupRejected, Photo, SessionBackup

NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


def jpeg(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(out, format="JPEG")
    return out.getvalue()


def story(story_id: int, status: str = "approved", **changes) -> dict:
    n = story_id % 10  # the same content under shifted ids
    record = {"id": story_id, "kind": "concern", "text": f"verhaal {n}", "original_text": f"verhaal {n}",
              "dimension": None, "themes": ["verkeer"], "lat": 52.09, "lon": 5.11, "buurt_code": "BU99990101",
              "place_description": "bij de school", "photo_id": None, "age_band": "25-44", "relation": "lives",
              "language": "nl", "consent": True, "receipt_hash": f"hash-{n}", "submission_token": None,
              "status": status, "duplicate_of_id": None, "kiosk_id": "kiosk-1", "is_demo": False, "version": 2,
              "created_at": NOW, "updated_at": NOW}
    return {**record, **changes}


def sample(ids: int = 0, photo_id: str = "a" * 32, code: str = "K7Q4FX") -> SessionBackup:
    """One session; `ids` shifts every id, as another database would number the same content."""
    s, t, v, a = 10 + ids, 20 + ids, 30 + ids, 40 + ids
    erased = {k: v for k, v in fmt.ERASED.items()}
    stories = (
        story(s + 1, photo_id=photo_id),
        story(s + 2, text="Bel [...]", original_text="Bel 0612345678"),
        story(s + 3, "hidden", duplicate_of_id=s + 1),
        story(s + 4, "pending"),
        story(s + 5, "withdrawn", **erased),
    )
    return SessionBackup(
        session={"id": 1 + ids, "code": code, "title": "Wijkavond", "session_date": date(2026, 11, 27),
                 "municipality_code": "GM9999", "municipality_name": "Voorbeeldstad",
                 "area_codes": ["BU99990101"], "prompts": {}, "themes": ["verkeer"],
                 "settings": {"moderation": "pre", "k": 5}, "status": "open", "is_demo": False, "created_at": NOW,
                 "closed_at": None},
        stories=stories,
        photos=(Photo({"id": photo_id, "member": "", "mime": "image/jpeg", "width": 40, "height": 30,
                       "created_at": NOW}, jpeg()),),
        themes=({"id": t + 1, "name": "Veilig oversteken", "story_ids": [s + 1, s + 2], "is_deleted": False,
                 "created_at": NOW},),
        votes=({"id": v + 1, "theme_id": t + 1, "voter_token": "visit-1", "created_at": NOW},),
        actions=({"id": a + 1, "what": "Zebrapad", "owner": "Gemeente", "due_date": date(2027, 3, 1),
                  "buurt_codes": ["BU99990101"], "theme_ids": [t + 1], "created_at": NOW},),
        audit_events=(
            audit(100 + ids, "session", 1 + ids, "create", {"title": "Wijkavond"}),
            audit(101 + ids, "story", s + 3, "mark_duplicate", {"duplicate_of": s + 1, "from_status": "pending"}),
            audit(102 + ids, "theme", t + 1, "create", {"name": "Veilig oversteken", "story_ids": [s + 1, s + 2]}),
            audit(103 + ids, "vote", v + 1, "dot", {"theme_id": t + 1}),
            audit(104 + ids, "action", a + 1, "create", {"owner": "Gemeente"}),
            audit(105 + ids, "session", 1 + ids, "relink", {"changed": [[s + 1, "BU1", "BU2"]], "outside": [s + 4]}),
            audit(106 + ids, "story", s + 5, "withdraw", {"from_status": "approved"}),
        ))


def audit(event_id: int, entity: str, entity_id: int, action: str, detail: dict) -> dict:
    return {"id": event_id, "entity": entity, "entity_id": entity_id, "action": action, "actor": "Anna",
            "reason": None, "detail": detail, "created_at": NOW}


def build(backup: SessionBackup | None = None) -> bytes:
    return fmt.build_backup(backup or sample(), app_schema="0001", created_at=NOW).data


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(data: bytes, *, change=None, drop=(), add=None, manifest=None, fix_checksums=True) -> bytes:
    """The zip with members changed/dropped/added; the manifest's checksums follow unless told not to."""
    files = members(data)
    for name, edit in (change or {}).items():
        files[name] = edit(files[name])
    for name in drop:
        files.pop(name)
    files.update(add or {})
    info = json.loads(files[fmt.MANIFEST])
    if fix_checksums:
        info["members"] = {name: {"sha256": fmt._sha256(body), "bytes": len(body)}
                           for name, body in files.items() if name != fmt.MANIFEST}
    if manifest:
        manifest(info)
    files[fmt.MANIFEST] = json.dumps(info).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out.getvalue()


def edit_line(part: str, edit, line: int = 0):
    """A change function for rezip: edit one JSON line of a member."""
    def change(body: bytes) -> bytes:
        lines = body.decode().splitlines()
        record = json.loads(lines[line])
        edit(record)
        lines[line] = json.dumps(record)
        return ("\n".join(lines) + "\n").encode()
    return {fmt.member_name(part): change}


def raw_zip(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as archive:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": exactly what one case wants
        for name, body in entries:
            archive.writestr(zipfile.ZipInfo(name), body)
    return out.getvalue()


def marked_encrypted(data: bytes) -> bytes:
    """The zip with the "encrypted" flag set on every member (zipfile cannot write encrypted members)."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = patched.find(signature)
        while start != -1:
            patched[start + offset] |= 0x1
            start = patched.find(signature, start + 4)
    return bytes(patched)


# --- happy path ------------------------------------------------------------------------------------------------

def test_build_then_read_gives_back_every_record_and_photo():
    made = fmt.build_backup(sample(), app_schema="0001", created_at=NOW)
    archive = fmt.read_backup(made.data)
    original = sample()
    assert archive.backup.session == original.session
    assert archive.backup.stories == original.stories
    assert (archive.backup.themes, archive.backup.votes, archive.backup.actions) == (
        original.themes, original.votes, original.actions)
    assert archive.backup.audit_events == original.audit_events
    [photo] = archive.backup.photos
    assert photo.data == original.photos[0].data and photo.record["member"] == "photos/000001.jpg"
    assert archive.manifest.counts == {"stories": 5, "photos": 1, "themes": 1, "votes": 1, "actions": 1,
                                       "audit_events": 7}
    assert (archive.manifest.format_version, archive.manifest.app_schema, archive.manifest.session_code) == (
        1, "0001", "K7Q4FX")
    assert made.file_name == "buurtbeeld-backup-K7Q4FX-20261127-2100.zip"


def test_the_zip_holds_only_the_expected_members_and_says_it_holds_personal_data():
    files = members(build())
    assert list(files) == ["manifest.json", "session.jsonl", "stories.jsonl", "photos.jsonl", "themes.jsonl",
                           "votes.jsonl", "actions.jsonl", "audit_events.jsonl", "photos/000001.jpg"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == fmt.FORMAT and manifest["contains_personal_data"] is True
    stories = [json.loads(line) for line in files["stories.jsonl"].splitlines()]
    assert stories[1]["original_text"] == "Bel 0612345678" and stories[0]["receipt_hash"] == "hash-1"
    assert {k: stories[4][k] for k in fmt.ERASED} == fmt.ERASED  # the withdrawn story stays contentless


def test_building_refuses_what_a_restore_would_refuse():
    withdrawn_with_text = replace(sample(), stories=(*sample().stories[:4], story(15, "withdrawn")))
    with pytest.raises(BackupRejected) as caught:
        fmt.build_backup(withdrawn_with_text, app_schema="0001", created_at=NOW)
    assert caught.value.key == "withdrawn_content"


# --- every way a file can be wrong ---------------------------------------------------------------------------

def _drop_story_field(record):
    del record["kiosk_id"]


def corrupt_deflate(name: str):
    """A function for CASES: the member's compressed stream starts with an invalid deflate block (zlib.error)."""
    def make_bad(good: bytes) -> bytes:
        data = bytearray(good)
        start = data.find(b"PK\x03\x04")
        while start != -1:
            name_len, extra_len = int.from_bytes(data[start + 26:start + 28], "little"), \
                int.from_bytes(data[start + 28:start + 30], "little")
            if data[start + 30:start + 30 + name_len] == name.encode():
                data[start + 30 + name_len + extra_len] = 0xFF  # BTYPE 11: "invalid block type"
                return bytes(data)
            start = data.find(b"PK\x03\x04", start + 4)
        raise AssertionError(name)
    return make_bad


def settings(**values):
    return edit_line("session", lambda r: r.update(settings=values))


CASES = [
    # (id, how to make the bad file from a good one, expected key, text in the English message)
    ("not a zip", lambda good: b"PK\x03\x04 not really", "not_a_zip", "not a ZIP file"),
    ("empty file", lambda good: b"", "not_a_zip", "not a ZIP file"),
    ("traversal ../", lambda good: raw_zip([("../evil.sh", b"x")]), "unexpected_member", "`../evil.sh`"),
    ("absolute path", lambda good: raw_zip([("/etc/cron.d/x", b"x")]), "unexpected_member", "`/etc/cron.d/x`"),
    ("traversal in photos", lambda good: raw_zip([("photos/../../000001.jpg", b"x")]), "unexpected_member",
     "does not belong"),
    ("backslash", lambda good: raw_zip([("photos\\000001.jpg", b"x")]), "unexpected_member", "does not belong"),
    ("directory entry", lambda good: raw_zip([("photos/", b"")]), "unexpected_member", "does not belong"),
    ("stray file", lambda good: rezip(good, add={"notes.txt": b"hi"}), "unexpected_member", "`notes.txt`"),
    ("markdown in a name", lambda good: raw_zip([("[x](http://e.vil)", b"")]), "unexpected_member",
     "`?x??http?//e.vil?`"),
    ("member twice", lambda good: raw_zip([("stories.jsonl", b""), ("stories.jsonl", b"")]), "duplicate_member",
     "twice"),
    ("encrypted", lambda good: marked_encrypted(raw_zip([("manifest.json", b"{}")])), "unsupported_member",
     "encrypted"),
    ("zip bomb", lambda good: rezip(good, change={"votes.jsonl": lambda b: b"\n" * (3 * 2**20)}), "zip_bomb",
     "unpacks to far more"),
    ("no manifest", lambda good: raw_zip([(n, b) for n, b in members(good).items() if n != "manifest.json"]),
     "missing_member", "`manifest.json` is missing"),
    ("stories missing", lambda good: rezip(good, drop=["stories.jsonl"]), "missing_member",
     "`stories.jsonl` is missing"),
    ("photo missing", lambda good: rezip(good, drop=["photos/000001.jpg"], fix_checksums=False), "missing_member",
     "`photos/000001.jpg` is missing"),
    ("photo not in manifest", lambda good: rezip(good, add={"photos/000002.jpg": jpeg()}, fix_checksums=False),
     "unlisted_member", "not listed"),
    ("checksum", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(text="anders")),
                                    fix_checksums=False), "checksum", "checksum of `stories.jsonl`"),
    ("photo swapped", lambda good: rezip(good, change={"photos/000001.jpg": lambda b: jpeg(41, 30)},
                                         fix_checksums=False), "checksum", "checksum of `photos/000001.jpg`"),
    ("newer format", lambda good: rezip(good, manifest=lambda m: m.update(format_version=2, shiny=True)),
     "newer_version", "format version 2"),
    ("other format", lambda good: rezip(good, manifest=lambda m: m.update(format="iets-anders")), "not_a_backup",
     "not a backup"),
    ("manifest not json", lambda good: raw_zip([("manifest.json", b"{not json")]), "bad_manifest", "not JSON"),
    ("unknown manifest field", lambda good: rezip(good, manifest=lambda m: m.update(extra=1)), "bad_manifest",
     "`extra`"),
    ("counts lie", lambda good: rezip(good, manifest=lambda m: m["counts"].update(stories=4)), "inconsistent",
     "does not match the contents"),
    ("unknown record field", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(email="x"))),
     "unknown_field", "unknown field `email`"),
    ("missing record field", lambda good: rezip(good, change=edit_line("stories", _drop_story_field)),
     "missing_field", "lacks the field `kiosk_id`"),
    ("id as text", lambda good: rezip(good, change=edit_line("themes", lambda r: r.update(id="21"))),
     "bad_record", "`id` is not a whole number"),
    ("bool as id", lambda good: rezip(good, change=edit_line("votes", lambda r: r.update(theme_id=True))),
     "bad_record", "`theme_id` is not a whole number"),
    ("NaN", lambda good: rezip(good, change={"stories.jsonl": lambda b: b.replace(b'"lat":52.09', b'"lat":NaN', 1)}),
     "bad_record", "line 1 is not valid JSON"),
    ("naive time", lambda good: rezip(good, change=edit_line("votes", lambda r: r.update(
        created_at="2026-11-27T21:00:00"))), "bad_record", "has no time zone"),
    ("too long for the column", lambda good: rezip(good, change=edit_line("session", lambda r: r.update(
        code="K" * 13))), "bad_record", "longer than 12"),
    ("unknown status", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(status="deleted"))),
     "bad_record", "`status` has an unknown value"),
    ("NUL in text", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(text="a\x00b"))),
     "bad_record", "NUL"),
    ("not an object", lambda good: rezip(good, change={"votes.jsonl": lambda b: b"[1, 2]\n"}), "bad_record",
     "not a JSON object"),
    ("two sessions", lambda good: rezip(good, change={"session.jsonl": lambda b: b + b}), "inconsistent",
     "exactly one session"),
    ("dangling theme story", lambda good: rezip(good, change=edit_line("themes", lambda r: r.update(
        story_ids=[11, 999]))), "inconsistent", "`themes.jsonl` refers to something"),
    ("dangling duplicate", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(
        duplicate_of_id=999), line=2)), "inconsistent", "`stories.jsonl` refers"),
    ("dangling vote", lambda good: rezip(good, change=edit_line("votes", lambda r: r.update(theme_id=999))),
     "inconsistent", "`votes.jsonl` refers"),
    ("dangling audit detail", lambda good: rezip(good, change=edit_line("audit_events", lambda r: r["detail"].update(
        duplicate_of=999), line=1)), "inconsistent", "`audit_events.jsonl` refers"),
    ("audit of another session", lambda good: rezip(good, change=edit_line("audit_events", lambda r: r.update(
        entity_id=2))), "inconsistent", "`audit_events.jsonl` refers"),
    ("unknown audit entity", lambda good: rezip(good, change=edit_line("audit_events", lambda r: r.update(
        entity="municipality"))), "inconsistent", "something unknown"),
    ("same id twice", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(id=12))),
     "inconsistent", "holds an id twice"),
    ("withdrawn with text", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(
        text="terug!"), line=4)), "withdrawn_content", "still has content"),
    ("photo is not an image", lambda good: rezip(good, change={"photos/000001.jpg": lambda b: b"GIF89a nope"}),
     "bad_photo", "not the photo"),
    ("photo size lies", lambda good: rezip(good, change=edit_line("photos", lambda r: r.update(width=400))),
     "bad_photo", "not the photo"),
    ("photo without story", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(
        photo_id=None))), "inconsistent", "no story refers to"),
    ("damaged deflate stream", corrupt_deflate("stories.jsonl"), "damaged_member", "`stories.jsonl` is damaged"),
    ("settings k as text", lambda good: rezip(good, change=settings(k="5")), "bad_settings", "`k` is not a whole"),
    ("settings k out of range", lambda good: rezip(good, change=settings(k=99)), "bad_settings",
     "k must be between 1 and 50"),
    ("settings unknown moderation", lambda good: rezip(good, change=settings(moderation="none")), "bad_settings",
     "unknown moderation mode"),
    ("settings languages as text", lambda good: rezip(good, change=settings(languages="nl")), "bad_settings",
     "`languages` is not a list"),
    ("settings keywords of no dimension", lambda good: rezip(good, change=settings(keywords={"x": ["y"]})),
     "bad_settings", "`keywords`"),
    ("prompts not per kind", lambda good: rezip(good, change=edit_line("session", lambda r: r.update(
        prompts={"concern": "Wat?"}))), "bad_settings", "`prompts`"),
    ("blank title", lambda good: rezip(good, change=edit_line("session", lambda r: r.update(title="  ")),
                                       manifest=lambda m: m["session"].update(title="  ")), "bad_record",
     "`title`"),
    ("version beyond the column", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(
        version=2**31))), "bad_record", "`version` is outside"),
    ("version zero", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(version=0))),
     "bad_record", "`version` is outside"),
    ("width beyond the column", lambda good: rezip(good, change=edit_line("photos", lambda r: r.update(
        width=2**40))), "bad_record", "`width` is outside"),
    ("latitude off the globe", lambda good: rezip(good, change=edit_line("stories", lambda r: r.update(lat=91.5))),
     "bad_record", "`lat` is outside"),
    ("longitude infinite", lambda good: rezip(good, change={"stories.jsonl": lambda b: b.replace(
        b'"lon":5.11', b'"lon":1e999', 1)}), "bad_record", "`lon` is not a finite number"),
]


@pytest.mark.parametrize("make_bad, key, english", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_file_is_refused_with_its_reason(make_bad, key, english):
    with pytest.raises(BackupRejected) as caught:
        fmt.read_backup(make_bad(build()))
    assert caught.value.key == key, caught.value.en
    assert english in caught.value.en
    assert caught.value.nl and caught.value.nl != caught.value.en


def test_the_good_file_passes_the_same_helpers():
    """The cases above would be meaningless if the helpers broke any file: unchanged, the file reads fine."""
    assert fmt.read_backup(rezip(build())).backup.counts()["stories"] == 5


def test_size_limits(monkeypatch):
    good = build()
    monkeypatch.setattr(fmt, "MAX_BACKUP_BYTES", len(good) - 1)
    with pytest.raises(BackupRejected) as caught:
        fmt.read_backup(good)
    assert caught.value.key == "too_large"
    monkeypatch.setattr(fmt, "MAX_BACKUP_BYTES", len(good))
    monkeypatch.setattr(fmt, "MAX_RECORDS_BYTES", 100)
    with pytest.raises(BackupRejected) as caught:
        fmt.read_backup(good)
    assert caught.value.key == "zip_bomb"


# --- the restore plan ---------------------------------------------------------------------------------------------

def archive(backup: SessionBackup | None = None) -> fmt.BackupArchive:
    return fmt.read_backup(build(backup))


def plan(**overrides) -> fmt.RestorePlan:
    options = {"code_taken": lambda code: False, "existing_titles": [], "taken_receipts": {}, "taken_tokens": {},
               "known_buurten": ["BU99990101"], "app_schema": "0001", "draw_code": iter(["AAAAAA", "BBBBBB"]).__next__}
    return fmt.plan_restore(archive(), **{**options, **overrides})


@pytest.mark.parametrize("overrides, code, title, receipts, notes", [
    ({}, "K7Q4FX", "Wijkavond", set(), []),
    ({"code_taken": lambda c: c in {"K7Q4FX", "AAAAAA"}}, "BBBBBB", "Wijkavond", set(), ["code_changed"]),
    ({"existing_titles": ["wijkavond"]}, "K7Q4FX", "Wijkavond (hersteld)", set(), ["title_changed"]),
    ({"taken_receipts": {"hash-1": "approved", "hash-9": "hidden"}}, "K7Q4FX", "Wijkavond", {11}, ["receipts_kept"]),
    ({"known_buurten": []}, "K7Q4FX", "Wijkavond", set(), ["unknown_buurten"]),
    ({"app_schema": "0002"}, "K7Q4FX", "Wijkavond", set(), ["schema_differs"]),
])
def test_restore_plan(overrides, code, title, receipts, notes):
    result = plan(**overrides)
    assert (result.code, result.title, set(result.cleared_receipts)) == (code, title, receipts)
    assert [n.key for n in result.notes] == notes


def test_a_changed_code_is_named_in_the_note():
    [note] = plan(code_taken=lambda c: c == "K7Q4FX").notes
    assert "K7Q4FX" in note.nl and "AAAAAA" in note.en


@pytest.mark.parametrize("title, taken, expected", [
    ("Avond", [], "Avond"),
    ("Avond", ["AVOND"], "Avond (hersteld)"),
    ("Avond", ["Avond", "Avond (hersteld)", "Avond (hersteld 2)"], "Avond (hersteld 3)"),
    ("x" * 120, ["x" * 120], "x" * 109 + " (hersteld)"),
])
def test_restored_title(title, taken, expected):
    assert fmt.restored_title(title, taken) == expected


# --- the id remapping and the comparison ------------------------------------------------------------------------

def test_remapping_rewrites_every_reference_and_nothing_else():
    backup = sample()
    maps = {"session": {1: 501}, "story": {s["id"]: s["id"] + 1000 for s in backup.stories},
            "photo": {"a" * 32: "b" * 32}, "theme": {21: 521}, "vote": {31: 531}, "action": {41: 541}}
    stories = [fmt.remap_record("stories", s, maps) for s in backup.stories]
    assert [s["id"] for s in stories] == [11, 12, 13, 14, 15]  # the row's own id is the caller's business
    assert (stories[0]["photo_id"], stories[2]["duplicate_of_id"]) == ("b" * 32, 1011)
    assert fmt.remap_record("themes", backup.themes[0], maps)["story_ids"] == [1011, 1012]
    assert fmt.remap_record("votes", backup.votes[0], maps)["theme_id"] == 521
    assert fmt.remap_record("actions", backup.actions[0], maps)["theme_ids"] == [521]
    events = [fmt.remap_audit(e, maps) for e in backup.audit_events]
    assert [(e["entity"], e["entity_id"]) for e in events] == [
        ("session", 501), ("story", 1013), ("theme", 521), ("vote", 531), ("action", 541), ("session", 501),
        ("story", 1015)]
    assert events[1]["detail"] == {"duplicate_of": 1011, "from_status": "pending"}
    assert events[2]["detail"] == {"name": "Veilig oversteken", "story_ids": [1011, 1012]}
    assert events[3]["detail"] == {"theme_id": 521}
    assert events[5]["detail"] == {"changed": [[1011, "BU1", "BU2"]], "outside": [1014]}


def test_comparison_ignores_ids_codes_and_photo_ids_but_not_content():
    first = archive(sample())
    elsewhere = archive(sample(ids=500, photo_id="c" * 32, code="ZZZZZZ"))
    assert fmt.comparable(first) == fmt.comparable(elsewhere)
    changed = sample(ids=500)
    changed = replace(changed, themes=({**changed.themes[0], "story_ids": [511]},))
    assert fmt.comparable(first) != fmt.comparable(archive(changed))


def test_comparison_can_leave_out_the_row_of_the_restore_itself():
    first = archive()
    restore_row = audit(900, "session", 1, "restore", {"from_code": "K7Q4FX", "code": "K7Q4FX",
                                                       "backup_created_at": NOW.isoformat()})
    after = archive(replace(sample(), audit_events=(*sample().audit_events, restore_row)))
    assert fmt.comparable(first) != fmt.comparable(after)
    assert fmt.comparable(first) == fmt.comparable(after, ignore_restore_of=first.manifest)


# --- review fixes: photos, join codes, withdrawals, shown names ------------------------------------------

def exif_jpeg(width: int = 40, height: int = 30) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (5.0, 6.0, 40.0)}  # GPS IFD
    out = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(out, format="JPEG", exif=exif, comment=b"secret")
    return out.getvalue()


def with_photo(data: bytes, mime: str = "image/jpeg") -> SessionBackup:
    backup = sample()
    [photo] = backup.photos
    return replace(backup, photos=(Photo({**photo.record, "mime": mime}, data),))


def test_a_photo_with_exif_is_re_encoded_without_it():
    data = exif_jpeg()
    assert Image.open(io.BytesIO(data)).getexif()  # the hand-edited backup does carry EXIF and GPS
    read = fmt.read_backup(build(with_photo(data)))
    [photo] = read.backup.photos
    assert photo.data != data and b"Exif" not in photo.data and b"secret" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as image:
        assert (image.format, image.size, dict(image.getexif())) == ("JPEG", (40, 30), {})
    assert (photo.record["mime"], photo.record["width"], photo.record["height"]) == ("image/jpeg", 40, 30)
    assert read.cleaned_photos == 1
    notes = fmt.plan_restore(read, code_taken=lambda c: False, existing_titles=[], taken_receipts={},
                             taken_tokens={}, known_buurten=["BU99990101"], app_schema="0001").notes
    assert [n.key for n in notes] == ["photos_cleaned"]


def test_a_png_photo_is_stored_as_the_kiosk_would_store_it():
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 128, 128, 128)).save(out, format="PNG", pnginfo=None)
    backup = with_photo(out.getvalue(), "image/png")
    [photo] = fmt.read_backup(build(backup)).backup.photos
    assert photo.record["mime"] == "image/jpeg" and photo.data.startswith(b"\xff\xd8")


def test_a_photo_as_the_app_stores_it_is_kept_byte_for_byte():
    read = fmt.read_backup(build())
    assert read.backup.photos[0].data == jpeg() and read.cleaned_photos == 0


@pytest.mark.parametrize("code, joinable", [
    ("K7Q4FX", True), ("DEMO01", True), ("k7q4fx", False), ("K7-Q4F", False), ("K7Q4F", False),
    ("K7Q4FXZZ", False), ("[x](y)", False), ("ÉÉÉÉÉÉ", False),
])
def test_a_code_the_join_form_cannot_reach_is_replaced(code, joinable):
    result = fmt.plan_restore(archive(sample(code=code)), code_taken=lambda c: False, existing_titles=[],
                              taken_receipts={}, taken_tokens={}, known_buurten=["BU99990101"], app_schema="0001",
                              draw_code=iter(["AAAAAA"]).__next__)
    assert result.code == (code if joinable else "AAAAAA")
    assert [n.key for n in result.notes] == ([] if joinable else ["code_invalid"])
    if not joinable:
        assert "AAAAAA" in result.notes[0].en and "(y)" not in result.notes[0].en


def test_a_story_withdrawn_here_after_the_backup_is_erased_in_the_copy():
    backup = sample()
    tokens = tuple({**s, "submission_token": f"tok-{s['id']}"} for s in backup.stories)
    read = archive(replace(backup, stories=tokens))
    result = fmt.plan_restore(read, code_taken=lambda c: False, existing_titles=[],
                              taken_receipts={"hash-2": "approved"},
                              taken_tokens={"tok-11": "withdrawn", "tok-12": "approved", "tok-15": "withdrawn"},
                              known_buurten=["BU99990101"], app_schema="0001")
    assert result.erased == {11}  # 15 is withdrawn in the backup already
    assert set(result.cleared_tokens) == {11, 12, 15} and set(result.cleared_receipts) == {12}
    assert [n.key for n in result.notes] == ["receipts_kept", "withdrawn_here"]
    assert "1 " in result.notes[1].en and "withdrawn" in result.notes[1].en


def test_shown_text_keeps_names_and_disarms_markdown():
    assert fmt.shown_text("'s-Hertogenbosch") == "'s-Hertogenbosch"
    assert fmt.shown_text("Súdwest-Fryslân") == "Súdwest-Fryslân"
    assert fmt.shown_text("Bergen (NH.)") == "Bergen (NH.)"
    assert fmt.shown_text("[klik](http://x) *vet*\n\n# kop `c` <b>") == "?klik?(http?//x) ?vet? ? kop ?c? ?b?"
