-- 043_drop_unused: functions nothing calls any more.
--
-- lx.mask_id (003) masked a resident ID number for the pages; since 040 lx.student_sheet
-- writes the same expression out (a STRICT function around a CASE is not inlined), and the
-- import's report masks in C (core/lx_import.c).  No function, view, page or test calls it:
-- the rule keeps one definition in SQL, in lx.student_sheet (sql/functions/sheet.sql).
DROP FUNCTION IF EXISTS lx.mask_id(text);
