-- 040_sheet_one_statement: the student page's sheet as one inlined statement.
--
-- lx.student_sheet (013) was PL/pgSQL: seven statements, two RETURN QUERY into a tuplestore,
-- a nested PL/pgSQL call for the facts and another for the version, and per step an index probe
-- each for the operator's name, a lifted gate and the step's prerequisites, and for a pending
-- step with prerequisites a second scan of all the student's states.  Under the load of
-- graduation day (make bench, scenario b) it cost 0.63 ms of database time a page, a third of
-- the page's whole cost.
--
-- This one is a single SELECT in an SQL function, which PostgreSQL inlines into the module's
-- prepared statement (SELECT * FROM lx.student_sheet($1)): planned once per connection, and
-- no function call at all at run time.  The student's states are read once (the CTE "mine");
-- what a pending step still waits for is worked out from those rows in memory.  The rules of
-- lx.missing_prereqs and lx.sheet_version are written out here (calling them once per step
-- was most of 013's cost, and a function call is not inlined); test_student_page.py checks
-- the sheet against them, and against lx.student_facts, for every student of the demo data.
--
-- The sheet also names the steps that are missing (missing_names, the names in the order of
-- missing's codes, separated by U+001F), so that the page needs no second query for them.

-- A student's facts (what steps' applicability rules and certificates name) from their row and
-- the facts of their national loans: an expression without FROM, so that PostgreSQL inlines it
-- into the statement that calls it (a PL/pgSQL call cost 47 µs of the sheet's 330).
-- lx.student_facts, for everything else, now gives the same through it.
CREATE FUNCTION lx.facts_of(s lx.student, p_loan_facts text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_remove(ARRAY[
               CASE WHEN s.party_member THEN 'party_member' END,
               CASE WHEN s.league_member THEN 'league_member' END,
               CASE WHEN s.must_return_instruments THEN 'must_return_instruments' END,
               CASE WHEN s.source_loan THEN 'source_loan' END,
               CASE WHEN s.borrowed_switch THEN 'borrowed_switch' END,
               CASE WHEN s.certificates_deferred THEN 'certificates_deferred' END,
               CASE WHEN s.hukou_moved THEN 'hukou_moved' END,
               CASE WHEN s.dorm_room_id IS NOT NULL THEN 'dorm_resident' END], NULL)
           || coalesce(p_loan_facts, '{}')
$$;

-- national_loan_<institution code> for each of a student's national loans, in code order
CREATE FUNCTION lx.loan_facts(p_student_id integer) RETURNS text[]
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN (SELECT array_agg('national_loan_' || i.code ORDER BY i.code)
              FROM lx.student_loan l JOIN lx.institution i ON i.id = l.institution_id
             WHERE l.student_id = p_student_id);
END
$$;

CREATE OR REPLACE FUNCTION lx.student_facts(p_student_id integer) RETURNS text[]
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN (SELECT lx.facts_of(s, lx.loan_facts(s.id)) FROM lx.student s
             WHERE s.id = p_student_id);
END
$$;

DROP FUNCTION lx.student_sheet(text);
CREATE FUNCTION lx.student_sheet(p_student_no text)
RETURNS TABLE (
    student_no text, name text, gender text, id_type text, id_masked text,
    institution text, college text, class text, cohort text, cohort_closed boolean,
    programme text, dorm text, national_loans text,
    library_loans integer, library_fines numeric, library_received_at text,
    arrears numeric, arrears_received_at text, version text,
    point_code text, point_name text, location text,
    step_code text, step_name text, hint text, optional boolean, certificate boolean,
    gates boolean, automatic text, modes text, state text, how text, by_login text,
    by_name text, at text, note text, proposed boolean, overridden boolean,
    missing text, certificates text, missing_names text)
LANGUAGE sql STABLE AS $$
    WITH me AS (
        SELECT s.*, lx.facts_of(s, loans.facts) AS facts, loans.names AS loan_names,
               -- the steps whose gate the deferral point lifted for this student
               ARRAY(SELECT o.step_id FROM lx.override o WHERE o.student_id = s.id) AS lifted
          FROM lx.student s
          LEFT JOIN LATERAL (
              SELECT string_agg(li.name || ' ' || li.code, '、' ORDER BY li.code) AS names,
                     -- as lx.loan_facts()
                     array_agg('national_loan_' || li.code ORDER BY li.code) AS facts
                FROM lx.student_loan sl JOIN lx.institution li ON li.id = sl.institution_id
               WHERE sl.student_id = s.id) loans ON true
         WHERE s.student_no = p_student_no
    ), mine AS (
        -- the student's states with their steps and points, read once
        SELECT ss.state, ss.how, ss.by_login, ss.at, ss.note, ss.proposed,
               st.id AS step_id, st.code AS step_code, st.name AS step_name, st.hint,
               st.optional, st.certificate, st.gates, st.requires_gates, st.automatic,
               st.modes, st.sort AS step_sort,
               p.id AS point_id, p.code AS point_code, p.name AS point_name, p.scope,
               p.cert_desk, p.location, p.sort AS point_sort,
               st.id = ANY (me.lifted) AS overridden,
               (SELECT array_agg(q.requires_id) FROM lx.step_prereq q
                 WHERE q.step_id = st.id) AS prereqs
          FROM me
          JOIN lx.step_state ss ON ss.student_id = me.id
          JOIN lx.step st ON st.id = ss.step_id
          JOIN lx.point p ON p.id = st.point_id
    )
    SELECT student_no, name, gender, id_type, id_masked, institution, college, class, cohort,
           cohort_closed, programme, dorm, national_loans, library_loans, library_fines,
           library_received_at, arrears, arrears_received_at, version, point_code, point_name,
           location, step_code, step_name, hint, optional, certificate, gates, automatic, modes,
           state, how, by_login, by_name, at, note, proposed, overridden, missing, certificates,
           missing_names
      FROM (
    -- the student first (k0 = 0), then the steps in the order of points and steps
    SELECT 0 AS k0, 0 AS k1, 0 AS k2, 0 AS k3, 0 AS k4,
           me.student_no, me.name, me.gender::text AS gender, it.name AS id_type,
           CASE WHEN length(me.id_number) >= 14     -- as lx.mask_id()
                THEN left(me.id_number, 6) || repeat('*', length(me.id_number) - 10)
                     || right(me.id_number, 4)
                ELSE repeat('*', greatest(length(me.id_number) - 4, 0))
                     || right(me.id_number, 4) END AS id_masked,
           i.name AS institution, co.name AS college,
           (SELECT cl.name FROM lx.class cl WHERE cl.id = me.class_id) AS class, ch.name AS cohort,
           ch.closed AS cohort_closed, pr.name AS programme,
           (SELECT d.building || ' ' || d.room FROM lx.dorm_room d
             WHERE d.id = me.dorm_room_id) AS dorm,
           me.loan_names AS national_loans, me.library_loans, me.library_fines,
           to_char(me.library_received_at, 'YYYY-MM-DD HH24:MI') AS library_received_at,
           me.arrears, to_char(me.arrears_received_at, 'YYYY-MM-DD HH24:MI') AS arrears_received_at,
           -- as lx.sheet_version()
           coalesce((SELECT r.rev FROM lx.sheet_rev r WHERE r.student_id = me.id), 0)
               || '.' || (SELECT c.rev FROM lx.config_version c) AS version,
           NULL AS point_code, NULL AS point_name, NULL AS location, NULL AS step_code,
           NULL AS step_name, NULL AS hint, NULL::boolean AS optional,
           NULL::boolean AS certificate, NULL::boolean AS gates, NULL AS automatic,
           NULL AS modes, NULL AS state, NULL AS how, NULL AS by_login, NULL AS by_name,
           NULL AS at, NULL AS note, NULL::boolean AS proposed, NULL::boolean AS overridden,
           NULL AS missing, NULL AS certificates, NULL AS missing_names
      FROM me
      JOIN lx.college co ON co.id = me.college_id
      JOIN lx.institution i ON i.id = co.institution_id
      JOIN lx.cohort ch ON ch.id = me.cohort_id
      JOIN lx.programme pr ON pr.code = ch.programme
      JOIN lx.id_type it ON it.code = me.id_type
    UNION ALL
        SELECT 1, m.point_sort, m.point_id, m.step_sort, m.step_id,
               NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL::boolean, NULL, NULL,
               NULL, NULL::integer, NULL::numeric, NULL, NULL::numeric, NULL, NULL,
               m.point_code, m.point_name,
               CASE WHEN m.scope = 'college'
                    THEN CASE WHEN m.cert_desk THEN co.cert_office ELSE co.office END
                    ELSE m.location END,
               m.step_code, m.step_name, m.hint, m.optional, m.certificate, m.gates,
               m.automatic, array_to_string(m.modes, ' '),
               m.state, m.how, m.by_login,
               (SELECT op.name FROM lx.operator op WHERE op.login = m.by_login),
               to_char(m.at, 'YYYY-MM-DD HH24:MI'), m.note, m.proposed, m.overridden,
               w.codes,
               CASE WHEN m.certificate AND m.state <> 'na' THEN
                   (SELECT string_agg(ce.name, '、' ORDER BY ce.sort)
                      FROM lx.cohort_certificate cc
                      JOIN lx.certificate ce ON ce.code = cc.certificate
                     WHERE cc.cohort_id = me.cohort_id AND ce.step_id = m.step_id
                       AND (ce.needs_fact IS NULL OR ce.needs_fact = ANY (me.facts))
                       AND (ce.unless_fact IS NULL OR NOT ce.unless_fact = ANY (me.facts)))
               END,
               w.names
          FROM me
          JOIN lx.college co ON co.id = me.college_id
          CROSS JOIN mine m
          -- as lx.missing_prereqs(): the pending gates (unless lifted) of a step that
          -- requires them, and its pending prerequisites, from the rows read above
          LEFT JOIN LATERAL (
              SELECT string_agg(g.step_code, ' '
                                ORDER BY g.point_sort, g.step_sort, g.step_id) AS codes,
                     string_agg(g.step_name, E'\x1f'
                                ORDER BY g.point_sort, g.step_sort, g.step_id) AS names
                FROM mine g
               WHERE m.state = 'pending'
                 AND g.state = 'pending'
                 AND g.step_id <> m.step_id
                 AND NOT g.overridden
                 AND ((g.gates AND m.requires_gates)
                      OR g.step_id = ANY (m.prereqs))) w ON true
    ) u
    ORDER BY u.k0, u.k1, u.k2, u.k3, u.k4
$$;
