-- vtopo's apply journal on the primary: one row per (apply, database), written after each
-- database's phase in its own transaction. Never part of a plan (introspection skips it).
CREATE SCHEMA IF NOT EXISTS vtopo;
CREATE TABLE IF NOT EXISTS vtopo._apply_journal (
    apply_id         text        NOT NULL,
    database         text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('not started', 'running', 'applied', 'partial', 'failed', 'interrupted')),
    steps_planned    integer     NOT NULL,
    steps_done       jsonb       NOT NULL DEFAULT '[]',
    failed_step      text,
    error            text,
    rolled_back      boolean,
    apply_started_at timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    topology         text,
    environment      text,
    targets          jsonb       NOT NULL DEFAULT '[]',
    applied_by       text,
    vtopo_version    text        NOT NULL,
    PRIMARY KEY (apply_id, database)
);
COMMENT ON TABLE vtopo._apply_journal IS 'vtopo apply journal: what each apply did per database (see `vtopo status`); vtopo bookkeeping, not a managed object';
-- Journals made before 'interrupted' existed get the wider check (once: the DO block looks first).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_constraint
                   WHERE conrelid = 'vtopo._apply_journal'::regclass AND contype = 'c'
                     AND pg_get_constraintdef(oid) LIKE '%interrupted%') THEN
        ALTER TABLE vtopo._apply_journal DROP CONSTRAINT IF EXISTS _apply_journal_status_check;
        ALTER TABLE vtopo._apply_journal ADD CONSTRAINT _apply_journal_status_check
            CHECK (status IN ('not started', 'running', 'applied', 'partial', 'failed', 'interrupted'));
    END IF;
END
$$;
