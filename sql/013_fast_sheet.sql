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

-- Configuration shown on sheets (names of points, steps, colleges, operators, ...) changes
-- rarely; one counter for all of it is enough.
CREATE TABLE lx.config_version (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    rev   bigint NOT NULL DEFAULT 1
);
INSERT INTO lx.config_version DEFAULT VALUES;

CREATE FUNCTION lx.config_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    UPDATE lx.config_version SET rev = rev + 1;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['institution', 'programme', 'cohort', 'college', 'class',
                             'dorm_room', 'id_type', 'point', 'step', 'step_prereq',
                             'cohort_step', 'certificate', 'cohort_certificate', 'operator']
    LOOP
        EXECUTE format('CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE'
                       ' ON lx.%I FOR EACH STATEMENT EXECUTE FUNCTION lx.config_changed()', t);
    END LOOP;
END
$$;

-- A value that changes whenever anything on p_student's sheet may have changed: the student's
-- row, states, lifted gates, loans, and the configuration.  A row's xmin is the transaction that
-- wrote it, and every later write of the row gives it a younger one: the sum of a set of rows'
-- xmins grows with every update, and the count changes with every insert or delete.  Nothing
-- has to be written to keep it.  NULL: no such student.
CREATE FUNCTION lx.sheet_version(p_student_id integer) RETURNS text
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v text;
BEGIN
    SELECT concat_ws('.', s.xmin::text,
                     (SELECT count(*) || '-' || coalesce(sum(x.xmin::text::bigint), 0)
                        FROM lx.step_state x WHERE x.student_id = s.id),
                     (SELECT count(*) || '-' || coalesce(sum(o.xmin::text::bigint), 0)
                        FROM lx.override o WHERE o.student_id = s.id),
                     (SELECT count(*) || '-' || coalesce(sum(l.xmin::text::bigint), 0)
                        FROM lx.student_loan l WHERE l.student_id = s.id),
                     (SELECT c.rev FROM lx.config_version c))
      INTO v
      FROM lx.student s
     WHERE s.id = p_student_id;
    RETURN v;
END
$$;

-- Scalar SQL functions with a FROM clause are never inlined: PostgreSQL planned their statement
-- anew for every statement that called them (a fifth of a student page's time went to planning
-- lx.student_facts).  The same statements as PL/pgSQL keep their plans for the connection's
-- life.  The bodies are taken as they are from the catalogue, so the rules stay written once.
DO $$
DECLARE
    f regprocedure;
    p pg_proc;
BEGIN
    FOREACH f IN ARRAY ARRAY['lx.student_facts(integer)', 'lx.missing_prereqs(integer,integer)',
                             'lx.done_dependents(integer,integer)', 'lx.api_status(text)',
                             'lx.can_view(text,text)']::regprocedure[]
    LOOP
        SELECT * INTO p FROM pg_proc WHERE oid = f;
        EXECUTE format('CREATE OR REPLACE FUNCTION lx.%I(%s) RETURNS %s LANGUAGE plpgsql %s %s '
                       'SET plan_cache_mode = force_generic_plan %s AS %L',
                       p.proname, pg_get_function_arguments(f), pg_get_function_result(f),
                       CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE'
                                          ELSE 'VOLATILE' END,
                       CASE WHEN p.prosecdef THEN 'SECURITY DEFINER' ELSE '' END,
                       (SELECT string_agg(format('SET %s = %s', split_part(c, '=', 1),
                                                 substr(c, strpos(c, '=') + 1)), ' ')
                          FROM unnest(p.proconfig) c),
                       E'BEGIN\n    RETURN (' || rtrim(p.prosrc, E' \n\t;') || E');\nEND');
    END LOOP;
END
$$;

-- The sheet: the first row is the student (step columns NULL) with the sheet's version, then
-- one row per step in the order of points and steps (student columns NULL).  The identity
-- number leaves the database masked.
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
    missing text, certificates text)
-- generic plans from the first call: a custom plan, made anew on every call, costs more than
-- the statement it plans (PostgreSQL keeps making them while it guesses they may be cheaper)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    me lx.student;
    v_loans text;
    v_facts text[];
    v_office text;
    v_cert_office text;
BEGIN
    SELECT * INTO me FROM lx.student s WHERE s.student_no = p_student_no;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT string_agg(li.name || ' ' || li.code, '、' ORDER BY li.code)
      INTO v_loans
      FROM lx.student_loan sl JOIN lx.institution li ON li.id = sl.institution_id
     WHERE sl.student_id = me.id;
    v_facts := lx.student_facts(me.id);

    RETURN QUERY
    SELECT me.student_no, me.name, me.gender::text, it.name,
           CASE WHEN length(me.id_number) >= 14     -- as lx.mask_id()
                THEN left(me.id_number, 6) || repeat('*', length(me.id_number) - 10)
                     || right(me.id_number, 4)
                ELSE repeat('*', greatest(length(me.id_number) - 4, 0))
                     || right(me.id_number, 4) END,
           i.name, co.name, cl.name, ch.name, ch.closed, pr.name,
           (SELECT d.building || ' ' || d.room FROM lx.dorm_room d WHERE d.id = me.dorm_room_id),
           v_loans, me.library_loans, me.library_fines,
           to_char(me.library_received_at, 'YYYY-MM-DD HH24:MI'),
           me.arrears, to_char(me.arrears_received_at, 'YYYY-MM-DD HH24:MI'),
           lx.sheet_version(me.id),
           NULL, NULL, NULL, NULL, NULL, NULL, NULL::boolean, NULL::boolean, NULL::boolean,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL::boolean, NULL::boolean,
           NULL, NULL
      FROM lx.college co
      JOIN lx.institution i ON i.id = co.institution_id
      JOIN lx.class cl ON cl.id = me.class_id
      JOIN lx.cohort ch ON ch.id = me.cohort_id
      JOIN lx.programme pr ON pr.code = ch.programme
      JOIN lx.id_type it ON it.code = me.id_type
     WHERE co.id = me.college_id;

    SELECT co.office, co.cert_office INTO v_office, v_cert_office
      FROM lx.college co WHERE co.id = me.college_id;

    RETURN QUERY
    SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL::boolean, NULL, NULL,
           NULL, NULL::integer, NULL::numeric, NULL, NULL::numeric, NULL, NULL,
           p.code, p.name,
           CASE WHEN p.scope = 'college'
                THEN CASE WHEN p.cert_desk THEN v_cert_office ELSE v_office END
                ELSE p.location END,
           st.code, st.name, st.hint, st.optional, st.certificate, st.gates, st.automatic,
           array_to_string(st.modes, ' '),
           ss.state, ss.how, ss.by_login,
           (SELECT op.name FROM lx.operator op WHERE op.login = ss.by_login),
           to_char(ss.at, 'YYYY-MM-DD HH24:MI'), ss.note, ss.proposed,
           EXISTS (SELECT 1 FROM lx.override o WHERE o.student_id = me.id AND o.step_id = st.id),
           -- as lx.missing_prereqs(me.id, st.id)
           CASE WHEN ss.state = 'pending'
                 AND (st.requires_gates
                      OR EXISTS (SELECT 1 FROM lx.step_prereq q WHERE q.step_id = st.id)) THEN
               (SELECT string_agg(g.code, ' ' ORDER BY gp.sort, g.sort, g.id)
                  FROM lx.step_state gs
                  JOIN lx.step g ON g.id = gs.step_id
                  JOIN lx.point gp ON gp.id = g.point_id
                 WHERE gs.student_id = me.id
                   AND gs.state = 'pending'
                   AND g.id <> st.id
                   AND ((g.gates AND st.requires_gates)
                        OR g.id IN (SELECT q.requires_id FROM lx.step_prereq q
                                     WHERE q.step_id = st.id))
                   AND NOT EXISTS (SELECT 1 FROM lx.override o
                                    WHERE o.student_id = me.id AND o.step_id = g.id))
           END,
           CASE WHEN st.certificate AND ss.state <> 'na' THEN
               (SELECT string_agg(ce.name, '、' ORDER BY ce.sort)
                  FROM lx.cohort_certificate cc
                  JOIN lx.certificate ce ON ce.code = cc.certificate
                 WHERE cc.cohort_id = me.cohort_id AND ce.step_id = st.id
                   AND (ce.needs_fact IS NULL OR ce.needs_fact = ANY (v_facts))
                   AND (ce.unless_fact IS NULL OR NOT ce.unless_fact = ANY (v_facts)))
           END
      FROM lx.step_state ss
      JOIN lx.step st ON st.id = ss.step_id
      JOIN lx.point p ON p.id = st.point_id
     WHERE ss.student_id = me.id
     ORDER BY p.sort, p.id, st.sort, st.id;
END
$$;

REVOKE EXECUTE ON FUNCTION lx.config_changed() FROM PUBLIC;

-- lx.account runs on every request.  As an SQL function (003) it was inlined into the caller's
-- statement and its UNION planned anew each time; PL/pgSQL keeps the plan.  For a student it
-- also gives the version of their sheet: a browser's revalidation of the student's own page is
-- then answered (304) after this one statement.
DROP FUNCTION lx.account(text);
CREATE FUNCTION lx.account(p_login text)
RETURNS TABLE (kind text, name text, is_admin boolean, is_leader boolean,
               point_code text, point_name text, point_deferral boolean,
               college_code text, college_name text, sheet_version text)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
    SELECT 'operator', o.name, o.is_admin, o.is_leader, p.code, p.name, p.deferral,
           c.code, c.name, NULL
      FROM lx.operator o
      LEFT JOIN lx.operator_point op ON op.login = o.login
      LEFT JOIN lx.point p ON p.id = op.point_id
      LEFT JOIN lx.college c ON c.id = op.college_id
     WHERE o.login = p_login AND o.active
     ORDER BY 5, 8;
    IF NOT FOUND THEN
        RETURN QUERY
        SELECT 'student', s.name, false, false, NULL, NULL, NULL::boolean, NULL, NULL,
               lx.sheet_version(s.id)
          FROM lx.student s
         WHERE s.student_no = p_login;
    END IF;
END
$$;
