-- 047_desk_door: lx.desk_change (006) is now part of lx.desk_door (sql/functions/desk.sql),
-- which also finds the operator's desk, so that a confirm, a class batch or a revoke is one
-- round trip from the module to the database (issue 23).  The module calls only lx.desk_door.
DROP FUNCTION IF EXISTS lx.desk_change(text, text[], text[], text, text, text, inet, text);
