-- 030_roster_names: a name in the roster is one line.  A quoted CSV cell may hold a line break
-- or a tab ("名\r\n字" passed lx.roster_check and was imported, issue 8 part 3); such a name
-- breaks CSV exports and anything that prints one student per line.  lx.roster_check keeps
-- its signature and its callers (the module, scripts/import-roster.sh, lx.roster_merge): the
-- cell checks of 010 go on under a new name, and the line check joins their report.
ALTER FUNCTION lx.roster_check(text, date) RENAME TO roster_check_cells;

CREATE FUNCTION lx.roster_check(p_import text, p_today date DEFAULT current_date)
RETURNS TABLE (line integer, col text, value text, reason text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = lx, pg_temp AS $$
    SELECT * FROM (
        SELECT * FROM lx.roster_check_cells(p_import, p_today)
        UNION ALL
        SELECT r.line, '姓名', regexp_replace(r.name, '[[:cntrl:]]', ' ', 'g'),
               '姓名不能包含换行、制表符等控制字符'
          FROM (SELECT row_number() OVER (ORDER BY seq)::integer AS line, s.name
                  FROM lx.roster_stage s WHERE s.import_id = p_import) r
         WHERE r.line > 1 AND r.name ~ '[[:cntrl:]]'
    ) p
    ORDER BY line, col;
$$;
