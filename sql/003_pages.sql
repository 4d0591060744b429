-- 003_pages: the read side the module's pages call, one statement per page where possible so
-- that a page shows one consistent snapshot.

-- Shown on pages: the first six and the last four characters (430102********123X).  Documents
-- too short for that show only their last four.
CREATE FUNCTION lx.mask_id(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN length(p) >= 14
                THEN left(p, 6) || repeat('*', length(p) - 10) || right(p, 4)
                ELSE repeat('*', greatest(length(p) - 4, 0)) || right(p, 4) END
$$;

-- Who an authenticated login is: one row per operator assignment (point NULL for an operator
-- without points), or one row for a student.  No row: unknown to the module (403).
CREATE FUNCTION lx.account(p_login text)
RETURNS TABLE (kind text, name text, is_admin boolean, is_leader boolean,
               point_code text, point_name text, point_deferral boolean,
               college_code text, college_name text)
LANGUAGE sql STABLE AS $$
    SELECT 'operator', o.name, o.is_admin, o.is_leader, p.code, p.name, p.deferral,
           c.code, c.name
      FROM lx.operator o
      LEFT JOIN lx.operator_point op ON op.login = o.login
      LEFT JOIN lx.point p ON p.id = op.point_id
      LEFT JOIN lx.college c ON c.id = op.college_id
     WHERE o.login = p_login AND o.active
    UNION ALL
    SELECT 'student', s.name, false, false, NULL, NULL, NULL, NULL, NULL
      FROM lx.student s
     WHERE s.student_no = p_login
       AND NOT EXISTS (SELECT 1 FROM lx.operator o WHERE o.login = p_login AND o.active)
    ORDER BY 5, 8
$$;

-- Whether p_login may see the clearance record of p_student_no: the student themself, an
-- administrator, the deferral point, or an operator of a point that covers the student.
-- Leaders see statistics, not personal records.
CREATE FUNCTION lx.can_view(p_login text, p_student_no text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_login = p_student_no
        OR EXISTS (
            SELECT 1
              FROM lx.student s
              JOIN lx.cohort c ON c.id = s.cohort_id
              JOIN lx.operator_point op ON true
              JOIN lx.point p ON p.id = op.point_id
             WHERE s.student_no = p_student_no
               AND op.login = p_login
               AND (p.deferral OR lx.operator_covers(p_login, p.id, s.college_id, c.programme)))
        OR EXISTS (SELECT 1 FROM lx.operator o
                    WHERE o.login = p_login AND o.active AND o.is_admin)
$$;

-- The student's clearance sheet: one row per enabled step, the student's own columns repeated
-- on each, in the order of points and steps.  The identity number leaves the database masked.
CREATE FUNCTION lx.student_sheet(p_student_no text)
RETURNS TABLE (
    student_no text, name text, gender text, id_type text, id_masked text,
    institution text, college text, class text, cohort text, cohort_closed boolean,
    programme text, dorm text, national_loans text,
    library_loans integer, library_fines numeric, library_received_at text,
    arrears numeric, arrears_received_at text,
    point_code text, point_name text, location text,
    step_code text, step_name text, hint text, optional boolean, certificate boolean,
    gates boolean, automatic text, modes text, state text, how text, by_login text,
    by_name text, at text, note text, proposed boolean, overridden boolean,
    missing text, certificates text)
LANGUAGE sql STABLE AS $$
    SELECT s.student_no, s.name, s.gender, it.name, lx.mask_id(s.id_number),
           i.name, co.name, cl.name, ch.name, ch.closed, pr.name,
           CASE WHEN d.id IS NOT NULL THEN d.building || ' ' || d.room END,
           (SELECT string_agg(li.name || ' ' || li.code, '、' ORDER BY li.code)
              FROM lx.student_loan l JOIN lx.institution li ON li.id = l.institution_id
             WHERE l.student_id = s.id),
           s.library_loans, s.library_fines, to_char(s.library_received_at, 'YYYY-MM-DD HH24:MI'),
           s.arrears, to_char(s.arrears_received_at, 'YYYY-MM-DD HH24:MI'),
           p.code, p.name,
           CASE WHEN p.scope = 'college'
                THEN CASE WHEN p.cert_desk THEN co.cert_office ELSE co.office END
                ELSE p.location END,
           st.code, st.name, st.hint, st.optional, st.certificate, st.gates, st.automatic,
           array_to_string(st.modes, ' '),
           ss.state, ss.how, ss.by_login, op.name, to_char(ss.at, 'YYYY-MM-DD HH24:MI'), ss.note, ss.proposed,
           EXISTS (SELECT 1 FROM lx.override o
                    WHERE o.student_id = s.id AND o.step_id = st.id),
           CASE WHEN ss.state = 'pending' AND (st.requires_gates
                     OR EXISTS (SELECT 1 FROM lx.step_prereq q WHERE q.step_id = st.id))
                THEN lx.missing_prereqs(s.id, st.id) END,
           CASE WHEN st.certificate AND ss.state <> 'na' THEN
               (SELECT string_agg(ce.name, '、' ORDER BY ce.sort)
                  FROM lx.cohort_certificate cc
                  JOIN lx.certificate ce ON ce.code = cc.certificate
                 WHERE cc.cohort_id = s.cohort_id AND ce.step_id = st.id
                   AND (ce.needs_fact IS NULL
                        OR ce.needs_fact = ANY (lx.student_facts(s.id)))
                   AND (ce.unless_fact IS NULL
                        OR NOT ce.unless_fact = ANY (lx.student_facts(s.id))))
           END
      FROM lx.student s
      JOIN lx.id_type it ON it.code = s.id_type
      JOIN lx.college co ON co.id = s.college_id
      JOIN lx.institution i ON i.id = co.institution_id
      JOIN lx.class cl ON cl.id = s.class_id
      JOIN lx.cohort ch ON ch.id = s.cohort_id
      JOIN lx.programme pr ON pr.code = ch.programme
      LEFT JOIN lx.dorm_room d ON d.id = s.dorm_room_id
      LEFT JOIN lx.step_state ss ON ss.student_id = s.id
      LEFT JOIN lx.step st ON st.id = ss.step_id
      LEFT JOIN lx.point p ON p.id = st.point_id
      LEFT JOIN lx.operator op ON op.login = ss.by_login
     WHERE s.student_no = p_student_no
     ORDER BY p.sort, p.id, st.sort, st.id
$$;
