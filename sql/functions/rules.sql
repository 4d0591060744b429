-- rules.sql: the rules that several callers share, one definition each: a student's facts
-- (lx.facts_of, lx.loan_facts, lx.student_facts), whether a step applies (lx.step_applies),
-- what an automatic step's feeds say (lx.feed_says_done), what keeps a step from being
-- confirmed or revoked (lx.missing_prereqs, lx.done_dependents), whether a step requires
-- another (lx.step_requires), whether a student is cleared (lx.student_cleared), who may act
-- where (lx.operator_covers) and the version of a student's sheet (lx.sheet_version).

-- Whether a step's rule holds for these facts.  Scalar arguments: the planner inlines it.
CREATE OR REPLACE FUNCTION lx.step_applies(p_when text[], p_unless text[], p_facts text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_when <@ p_facts AND NOT (p_unless && p_facts)
$$;

-- Whether an automatic step's feeder figures say it is done; NULL: not an automatic step.
-- Scalar arguments, so that it is inlined in set-based statements.
CREATE OR REPLACE FUNCTION lx.feed_says_done(p_automatic text, p_loans integer, p_fines numeric,
                                  p_library_at timestamptz, p_arrears numeric,
                                  p_arrears_at timestamptz) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_automatic
        WHEN 'library' THEN coalesce(p_library_at IS NOT NULL
                                     AND p_loans = 0 AND p_fines = 0, false)
        WHEN 'finance' THEN coalesce(p_arrears_at IS NOT NULL AND p_arrears = 0, false)
    END
$$;

-- The pending steps that keep p_step from being confirmed for p_student: every pending gate when
-- p_step requires_gates (unless the deferral point lifted it), and its explicit prerequisites.
-- Space-separated step codes, NULL when nothing is missing.
CREATE OR REPLACE FUNCTION lx.missing_prereqs(p_student integer, p_step integer)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
 SET plan_cache_mode TO 'force_generic_plan'
AS $function$BEGIN
    RETURN (
    SELECT string_agg(g.code, ' ' ORDER BY p.sort, g.sort, g.id)
      FROM lx.step_state gs
      JOIN lx.step g ON g.id = gs.step_id
      JOIN lx.point p ON p.id = g.point_id
     WHERE gs.student_id = p_student
       AND gs.state = 'pending'
       AND g.id <> p_step
       AND ((g.gates AND (SELECT requires_gates FROM lx.step WHERE id = p_step))
            OR g.id IN (SELECT requires_id FROM lx.step_prereq WHERE step_id = p_step))
       AND NOT EXISTS (SELECT 1 FROM lx.override o
                        WHERE o.student_id = p_student AND o.step_id = g.id));
END$function$;

-- The done steps that depend on p_step for p_student (revoking p_step would break them).
CREATE OR REPLACE FUNCTION lx.done_dependents(p_student integer, p_step integer)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
 SET plan_cache_mode TO 'force_generic_plan'
AS $function$BEGIN
    RETURN (
    SELECT string_agg(d.code, ' ' ORDER BY d.sort, d.id)
      FROM lx.step_state ds
      JOIN lx.step d ON d.id = ds.step_id
     WHERE ds.student_id = p_student
       AND ds.state = 'done'
       AND d.id <> p_step
       AND ((d.requires_gates AND (SELECT gates FROM lx.step WHERE id = p_step))
            OR d.id IN (SELECT step_id FROM lx.step_prereq WHERE requires_id = p_step))
       AND NOT EXISTS (SELECT 1 FROM lx.override o
                        WHERE o.student_id = p_student AND o.step_id = p_step));
END$function$;

-- Whether p_login may act on p_point for students of this college and programme.
CREATE OR REPLACE FUNCTION lx.operator_covers(p_login text, p_point integer, p_college integer,
                                   p_programme text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
          FROM lx.operator o
         WHERE o.login = p_login AND o.active
           AND (o.is_admin
                OR EXISTS (
                    SELECT 1
                      FROM lx.operator_point op
                      JOIN lx.point pt ON pt.id = op.point_id
                     WHERE op.login = o.login AND op.point_id = p_point
                       AND CASE pt.scope
                           WHEN 'college' THEN op.college_id = p_college
                           ELSE EXISTS (SELECT 1 FROM lx.point_programme pp
                                         WHERE pp.point_id = pt.id
                                           AND pp.programme = p_programme)
                           END)))
$$;

-- Whether step a (transitively) requires step b: explicit prerequisites, and the gates every
-- certificate step (requires_gates) waits for.
CREATE OR REPLACE FUNCTION lx.step_requires(p_a integer, p_b integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE edge (step_id, requires_id) AS (
        SELECT step_id, requires_id FROM lx.step_prereq
        UNION
        SELECT c.id, g.id FROM lx.step c JOIN lx.step g ON g.gates AND g.id <> c.id
         WHERE c.requires_gates
    ), reach (id) AS (
        SELECT requires_id FROM edge WHERE step_id = p_a
        UNION
        SELECT e.requires_id FROM edge e JOIN reach r ON e.step_id = r.id
    )
    SELECT EXISTS (SELECT 1 FROM reach WHERE id = p_b)
$$;

-- Whether a student is cleared now: states exist and no required applicable step is pending.
CREATE OR REPLACE FUNCTION lx.student_cleared(p_student integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM lx.step_state ss WHERE ss.student_id = p_student)
       AND NOT EXISTS (SELECT 1 FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
                        WHERE ss.student_id = p_student AND ss.state = 'pending'
                          AND NOT st.optional)
$$;

-- The version as 013 gave it, now read: the student's revision and the configuration's.
-- (PL/pgSQL, as in 013: a scalar SQL function with a FROM clause is planned on every call.)
CREATE OR REPLACE FUNCTION lx.sheet_version(p_student_id integer) RETURNS text
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN (SELECT coalesce(r.rev, 0) || '.' || c.rev
              FROM lx.student s
              CROSS JOIN lx.config_version c
              LEFT JOIN lx.sheet_rev r ON r.student_id = s.id
             WHERE s.id = p_student_id);
END
$$;

-- A student's facts (what steps' applicability rules and certificates name) from their row and
-- the facts of their national loans: an expression without FROM, so that PostgreSQL inlines it
-- into the statement that calls it (a PL/pgSQL call cost 47 µs of the sheet's 330).
-- lx.student_facts, for everything else, now gives the same through it.
CREATE OR REPLACE FUNCTION lx.facts_of(s lx.student, p_loan_facts text[]) RETURNS text[]
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
CREATE OR REPLACE FUNCTION lx.loan_facts(p_student_id integer) RETURNS text[]
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
