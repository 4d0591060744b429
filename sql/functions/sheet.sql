-- sheet.sql: the student page: who may see a sheet (lx.can_view), the sheet in one inlined
-- statement (lx.student_sheet), the accounts the module looks a login up in
-- (lx.student_accounts, lx.operator_accounts), and the triggers that keep the sheet's version
-- (lx.sheet_rev per student, lx.config_version for the configuration) up to date.

-- Whether p_login may see the clearance record of p_student_no: the student themself, an
-- administrator, the deferral point, or an operator of a point that covers the student.
-- Leaders see statistics, not personal records.
CREATE OR REPLACE FUNCTION lx.can_view(p_login text, p_student_no text)
 RETURNS boolean
 LANGUAGE plpgsql
 STABLE
 SET plan_cache_mode TO 'force_generic_plan'
AS $function$BEGIN
    RETURN (
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
                    WHERE o.login = p_login AND o.active AND o.is_admin));
END$function$;

CREATE OR REPLACE FUNCTION lx.config_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    UPDATE lx.config_version SET rev = rev + 1;
    RETURN NULL;
END
$$;

-- New revisions for a set of students (their rows are locked by the writer already: lx.change
-- and lx.sync_steps lock the students first, in id order).  PL/pgSQL for the plan it keeps per
-- connection: as an SQL function with SET (never inlined) its INSERT was parsed and planned
-- again on every call, 0.2 ms of each confirm for 0.04 of work.
CREATE OR REPLACE FUNCTION lx.sheet_touch(p_students integer[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
BEGIN
    INSERT INTO lx.sheet_rev AS t (student_id, rev)
    SELECT sid, nextval('lx.sheet_rev_seq')
      FROM (SELECT DISTINCT sid FROM unnest(p_students) AS sid ORDER BY 1) x
    ON CONFLICT (student_id) DO UPDATE SET rev = EXCLUDED.rev;
END
$$;

-- One trigger function for the tables whose rows are on the sheet; TG_ARGV[0] names the column
-- that holds the student's id.
CREATE OR REPLACE FUNCTION lx.sheet_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM lx.sheet_touch(ARRAY(SELECT student_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM lx.sheet_touch(ARRAY(SELECT student_id FROM old_rows));
    ELSE
        PERFORM lx.sheet_touch(ARRAY(SELECT student_id FROM new_rows
                                     UNION SELECT student_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

-- The student's own row (its id is "id"): the same, in a function of its own.
CREATE OR REPLACE FUNCTION lx.sheet_changed_student() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM lx.sheet_rev r USING old_rows o WHERE r.student_id = o.id;
    ELSE
        PERFORM lx.sheet_touch(ARRAY(SELECT id FROM new_rows));
    END IF;
    RETURN NULL;
END
$$;

-- Who a login is: an active operator (a row per point assignment), else a student (one row,
-- with the version of their sheet).  Two views, asked in this order by the module: a student's
-- request (nearly all on graduation day) is then one statement on four relations, fewer than
-- half of what the union of both costs to start up.
CREATE OR REPLACE VIEW lx.student_accounts AS
SELECT s.student_no AS login, 'student'::text AS kind, s.name, false AS is_admin,
       false AS is_leader, NULL::text AS point_code, NULL::text AS point_name,
       NULL::boolean AS point_deferral, NULL::text AS college_code, NULL::text AS college_name,
       lx.sheet_version(r.rev, v.rev) AS sheet_version
  FROM lx.student s
  CROSS JOIN lx.config_version v
  LEFT JOIN lx.sheet_rev r ON r.student_id = s.id
 WHERE NOT EXISTS (SELECT 1 FROM lx.operator o WHERE o.login = s.student_no AND o.active);

-- ask it WHERE login = $1 ORDER BY point_code, college_code
CREATE OR REPLACE VIEW lx.operator_accounts AS
SELECT o.login, 'operator'::text AS kind, o.name, o.is_admin, o.is_leader,
       p.code AS point_code, p.name AS point_name, p.deferral AS point_deferral,
       c.code AS college_code, c.name AS college_name, NULL::text AS sheet_version
  FROM lx.operator o
  LEFT JOIN lx.operator_point op ON op.login = o.login
  LEFT JOIN lx.point p ON p.id = op.point_id
  LEFT JOIN lx.college c ON c.id = op.college_id
 WHERE o.active;

CREATE OR REPLACE FUNCTION lx.student_sheet(p_student_no text)
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
           CASE WHEN length(me.id_number) >= 14     -- 430102********123X
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
           lx.sheet_version((SELECT r.rev FROM lx.sheet_rev r WHERE r.student_id = me.id),
                            (SELECT c.rev FROM lx.config_version c)) AS version,
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
          -- the prerequisite rule (rules.sql) over the rows read above: as lx.blocking_prereqs,
          -- which would read the student's states a second time (+6 % a sheet, measured)
          LEFT JOIN LATERAL (
              SELECT string_agg(g.step_code, ' '
                                ORDER BY g.point_sort, g.step_sort, g.step_id) AS codes,
                     string_agg(g.step_name, E'\x1f'
                                ORDER BY g.point_sort, g.step_sort, g.step_id) AS names
                FROM mine g
               WHERE m.state = 'pending'
                 AND lx.prereq_blocks(g.state, g.overridden,
                                      lx.step_needs(m.step_id, m.requires_gates, g.step_id,
                                                    g.gates, g.step_id = ANY (m.prereqs)))) w
                 ON true
    ) u
    ORDER BY u.k0, u.k1, u.k2, u.k3, u.k4
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['institution', 'programme', 'cohort', 'college', 'class',
                             'dorm_room', 'id_type', 'point', 'step', 'step_prereq',
                             'cohort_step', 'certificate', 'cohort_certificate', 'operator']
    LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE'
                       ' ON lx.%I FOR EACH STATEMENT EXECUTE FUNCTION lx.config_changed()', t);
    END LOOP;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['step_state', 'override', 'student_loan'] LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER sheet_changed_ins AFTER INSERT ON lx.%I '
                       'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
                       'EXECUTE FUNCTION lx.sheet_changed()', t);
        EXECUTE format('CREATE OR REPLACE TRIGGER sheet_changed_upd AFTER UPDATE ON lx.%I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION lx.sheet_changed()', t);
        EXECUTE format('CREATE OR REPLACE TRIGGER sheet_changed_del AFTER DELETE ON lx.%I '
                       'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT '
                       'EXECUTE FUNCTION lx.sheet_changed()', t);
    END LOOP;
END
$$;

CREATE OR REPLACE TRIGGER sheet_changed_ins AFTER INSERT ON lx.student
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION lx.sheet_changed_student();

CREATE OR REPLACE TRIGGER sheet_changed_upd AFTER UPDATE ON lx.student
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION lx.sheet_changed_student();

CREATE OR REPLACE TRIGGER sheet_changed_del AFTER DELETE ON lx.student
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION lx.sheet_changed_student();
