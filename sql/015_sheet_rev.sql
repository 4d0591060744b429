-- 015_sheet_rev: the version of a student's sheet is written, not computed.
--
-- 013 computed it on every request from the xmins of the student's rows (states, lifted gates,
-- loans): correct without writing anything, but a revalidation (304) then cost a PL/pgSQL call
-- nesting another with four subqueries, 160 µs of database time, three times the cost of the
-- statement itself.  Now every statement that changes those rows gives the students it touched a
-- new number from one sequence (statement triggers: a batch of 40 is one upsert), and the
-- version is that number and the configuration's revision.  A number from a sequence is never
-- given twice, so a version never comes back after a change, even across a rolled-back
-- transaction.
--
-- lx.student_accounts and lx.operator_accounts replace lx.account (013) with views: the module
-- asks them with plain prepared statements (WHERE login = $1), which PostgreSQL plans once per
-- connection and runs without a function call: the one statement of a 304.
--
-- The functions, views, triggers and grants it defined are in sql/functions/ (rules.sql,
-- sheet.sql), which scripts/migrate.sh applies after the migrations.

CREATE SEQUENCE lx.sheet_rev_seq;

CREATE TABLE lx.sheet_rev (
    student_id  integer PRIMARY KEY,
    rev         bigint NOT NULL
) WITH (fillfactor = 50);       -- updated in place (HOT): the key never changes

INSERT INTO lx.sheet_rev (student_id, rev)
SELECT id, nextval('lx.sheet_rev_seq') FROM lx.student;
