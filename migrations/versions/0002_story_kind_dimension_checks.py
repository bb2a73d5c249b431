"""stories: CHECK constraints on kind and dimension, after repairing the values that break them

Revision ID: 0002_story_kind_dimension_checks
Revises: 0001

Before this revision nothing stopped a story's kind or dimension from holding anything (`set_kind` with None
stored 'None'), and the backup builder refuses such a story, so one bad edit blocked every backup of its session
(issue 21, bug 4). Existing rows are carried over: a value that is not allowed goes back to the last allowed value
the story's own audit trail shows it had (the "old" of its set_kind/set_dimension acts), else to 'idea' for a kind
and to none for a dimension. Each repair bumps the story's version and leaves an audit row, so a facilitator sees
it in the trail and can correct it. The lists are written out: a migration must not change when the domain does.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_story_kind_dimension_checks"
down_revision = "0001"
branch_labels = None
depends_on = None

KINDS = ("proud", "concern", "dream", "idea", "contribution")
DIMENSIONS = ("woningvoorraad", "fysieke_omgeving", "voorzieningen", "sociale_samenhang", "overlast_onveiligheid")
FALLBACK = {"kind": "idea", "dimension": None}
ACTOR = "database-upgrade"
REASON = ("onbekende waarde hersteld bij het bijwerken van de database / "
          "unknown value repaired when the database was upgraded")

stories = sa.table("stories", sa.column("id", sa.Integer), sa.column("session_id", sa.Integer),
                   sa.column("kind", sa.String), sa.column("dimension", sa.String), sa.column("status", sa.String),
                   sa.column("version", sa.Integer), sa.column("updated_at", sa.DateTime(timezone=True)))
audit_events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("entity", sa.String),
                        sa.column("entity_id", sa.Integer), sa.column("session_id", sa.Integer),
                        sa.column("action", sa.String), sa.column("actor", sa.String), sa.column("reason", sa.Text),
                        sa.column("detail", sa.JSON), sa.column("created_at", sa.DateTime(timezone=True)))


def _allowed(column: str, value) -> bool:
    return value in KINDS if column == "kind" else value is None or value in DIMENSIONS


def _last_allowed(conn, story_id: int, column: str):
    """The newest "old" value of this story's set_kind/set_dimension acts that is allowed."""
    events = conn.execute(sa.select(audit_events.c.detail).where(
        audit_events.c.entity == "story", audit_events.c.entity_id == story_id,
        audit_events.c.action == f"set_{column}").order_by(audit_events.c.id.desc())).scalars()
    for detail in events:
        old = (detail or {}).get("old")
        if old != "" and _allowed(column, old):
            return old
    return FALLBACK[column]


def _repair(conn) -> None:
    now = datetime.now(UTC)
    bad = sa.or_(stories.c.kind.not_in(KINDS),
                 sa.and_(stories.c.dimension.is_not(None), stories.c.dimension.not_in(DIMENSIONS)))
    for row in conn.execute(sa.select(stories).where(bad).order_by(stories.c.id)).all():
        version = row.version
        for column in ("kind", "dimension"):
            old = getattr(row, column)
            if _allowed(column, old):
                continue
            new = _last_allowed(conn, row.id, column)
            version += 1
            conn.execute(sa.update(stories).where(stories.c.id == row.id).values(
                {column: new, "version": version, "updated_at": now}))
            conn.execute(sa.insert(audit_events).values(
                entity="story", entity_id=row.id, session_id=row.session_id, action=f"set_{column}", actor=ACTOR,
                reason=REASON, created_at=now,
                detail={"from_status": row.status, "to_status": row.status, "old": old, "new": new}))


def upgrade() -> None:
    _repair(op.get_bind())
    listed_kinds = ", ".join(f"'{k}'" for k in KINDS)
    listed_dimensions = ", ".join(f"'{d}'" for d in DIMENSIONS)
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_stories_kind_known"), f"kind IN ({listed_kinds})")
        batch_op.create_check_constraint(op.f("ck_stories_dimension_known"),
                                         f"dimension IS NULL OR dimension IN ({listed_dimensions})")


def downgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_stories_dimension_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_stories_kind_known"), type_="check")
