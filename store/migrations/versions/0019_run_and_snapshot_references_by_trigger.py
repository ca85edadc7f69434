"""run and snapshot references kept by statement triggers: no per-row check on the write path

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 04:20:00

PostgreSQL checks a foreign key with one query per written row. Three of them fire on every
crawl, for every mention it sees: the mention's ``last_run_id`` (a new run each crawl), the
engagement snapshot's ``mention_id`` and its ``run_id``. At 100,000 re-crawled mentions they
cost 5.5 of 14.4 s (``bench/upsert.py``). Their values come from the writer itself (the run it
opened, the mention it wrote in the same statement), so the check finds nothing to refuse;
what the keys also did on delete is kept by one trigger per statement instead:

- deleting mentions deletes their snapshots (the key's ``ON DELETE CASCADE``);
- deleting a crawl run that a mention or snapshot still names is refused, as the key refused it.

SQLite keeps its keys: it checks them in C, at a cost no bench shows.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (constraint, table, column, referred table, on delete)
KEYS = (
    ("engagementsnapshot_mention_id_fkey", "engagementsnapshot", "mention_id", "mention", "CASCADE"),
    ("engagementsnapshot_run_id_fkey", "engagementsnapshot", "run_id", "crawlrun", None),
    ("mention_last_run_id_fkey", "mention", "last_run_id", "crawlrun", None),
)  # fmt: skip

MENTION_DELETED = """
CREATE FUNCTION umot_mention_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM engagementsnapshot WHERE mention_id IN (SELECT id FROM gone);
    RETURN NULL;
END $$
"""
MENTION_TRIGGER = """
CREATE TRIGGER mention_deleted AFTER DELETE ON mention
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION umot_mention_deleted()
"""

RUN_DELETED = """
CREATE FUNCTION umot_crawlrun_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named bigint;
BEGIN
    SELECT g.id INTO named FROM gone g
    WHERE EXISTS (SELECT 1 FROM mention m WHERE m.last_run_id = g.id)
       OR EXISTS (SELECT 1 FROM engagementsnapshot s WHERE s.run_id = g.id)
    LIMIT 1;
    IF named IS NOT NULL THEN
        RAISE EXCEPTION 'crawl run % is still named by mentions or engagement snapshots', named
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""
RUN_TRIGGER = """
CREATE TRIGGER crawlrun_deleted AFTER DELETE ON crawlrun
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION umot_crawlrun_deleted()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, *_ in KEYS:
        op.drop_constraint(name, table, type_="foreignkey")
    for statement in (MENTION_DELETED, MENTION_TRIGGER, RUN_DELETED, RUN_TRIGGER):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER crawlrun_deleted ON crawlrun")
    op.execute("DROP FUNCTION umot_crawlrun_deleted()")
    op.execute("DROP TRIGGER mention_deleted ON mention")
    op.execute("DROP FUNCTION umot_mention_deleted()")
    for name, table, column, referred, ondelete in KEYS:
        op.create_foreign_key(name, table, referred, [column], ["id"], ondelete=ondelete)
