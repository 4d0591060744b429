-- 043_drop_unused: functions nothing calls any more.
--
-- lx.mask_id (003) masked a resident ID number for the pages; since 040 lx.student_sheet
-- writes the same expression out (a STRICT function around a CASE is not inlined), and the
-- import's report masks in C (core/lx_import.c).  No function, view, page or test calls it:
-- the rule keeps one definition in SQL, in lx.student_sheet (sql/functions/sheet.sql).
DROP FUNCTION IF EXISTS lx.mask_id(text);

-- lx.sheet_version(integer) (013) read a student's version in PL/pgSQL; nothing called it but
-- a test.  The rule is now lx.sheet_version(bigint, bigint) (sql/functions/rules.sql), an
-- expression inlined into lx.student_accounts and lx.student_sheet, which read the revisions.
DROP FUNCTION IF EXISTS lx.sheet_version(integer);
