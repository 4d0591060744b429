-- 013_fast_sheet: the student page is the page everyone opens on graduation day.
--
-- The first lx.student_sheet (003) was an SQL function inlined into its caller: PostgreSQL
-- planned its eleven-table join anew on every call (6 ms), repeated the student's columns on
-- every step row, and ran lx.missing_prereqs and lx.student_facts once per step (2.5 ms).  This
-- one is PL/pgSQL, so each connection plans its statements once and keeps the plans; every
-- statement is a short chain of primary-key lookups, which stay the same at any number of
-- students.
--
-- It also answers "has anything on this sheet changed?" cheaply (lx.sheet_version), for the
-- student page's ETag: students press refresh all day, and a 304 costs one small query.
--
-- The functions, views, triggers and grants it defined are in sql/functions/ (?.sql, grants.sql,
-- rules.sql, sheet.sql), which scripts/migrate.sh applies after the migrations.

-- Configuration shown on sheets (names of points, steps, colleges, operators, ...) changes
-- rarely; one counter for all of it is enough.
CREATE TABLE lx.config_version (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    rev   bigint NOT NULL DEFAULT 1
);
INSERT INTO lx.config_version DEFAULT VALUES;
