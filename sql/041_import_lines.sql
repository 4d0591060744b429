-- 041_import_lines: the import stages what the module's own readers parsed (issue 19).
-- The module (action_import.c) and the command (lixiao-import) read CSV and .xlsx files in C
-- (core/lx_csvread.c, core/lx_xlsx.c), map the header by name and send the data rows by
-- binary COPY, each with the file's physical line: no header row reaches the staging tables,
-- and the report names the line a registrar sees.  lx.roster_check keeps its signature; the
-- cell checks of 010 now read the staged line.  lx.roster_merge leaves unchanged students
-- alone (no write, no updated_at, no event when nothing changed) and says how many were.
-- A feed's numbers: a JSON number or a string of a decimal number, the same as a CSV cell
-- ("2.0" is 2 loans in every form).
--
-- The functions, views, triggers and grants it defined are in sql/functions/ (feed.sql,
-- roster.sql), which scripts/migrate.sh applies after the migrations.

ALTER TABLE lx.roster_stage ADD COLUMN line integer;
ALTER TABLE lx.feed_stage ADD COLUMN line integer;
