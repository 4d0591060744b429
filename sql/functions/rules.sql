-- rules.sql: the rules that several callers share, one definition each: a student's facts
-- (lx.facts_of, lx.loan_facts, lx.student_facts), whether a step applies (lx.step_applies),
-- what an automatic step's feeds say (lx.feed_says_done), what keeps a step from being
-- confirmed or revoked (lx.step_needs, lx.prereq_blocks, lx.dependent_blocks, and over students
-- lx.blocking_prereqs, lx.blocking_dependents, lx.missing_prereqs, lx.done_dependents), whether
-- a step requires another (lx.step_requires), whether a student is cleared (lx.student_cleared), who may act
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

-- The prerequisite rule, one definition in three parts, each an expression that PostgreSQL
-- inlines into the statement that calls it (LANGUAGE sql, one SELECT without FROM, STABLE or
-- IMMUTABLE, not STRICT, no SET, not SECURITY DEFINER): the plan is the one of the rule written
-- out, whether the statement reads one student or a batch.
--
-- Whether step m waits for step g: a step that requires_gates waits for every gate (every step
-- with gates), and any step for its explicit prerequisites (p_explicit: (m, g) in lx.step_prereq).
CREATE OR REPLACE FUNCTION lx.step_needs(p_m integer, p_m_requires_gates boolean, p_g integer,
                                         p_g_gates boolean, p_explicit boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_g <> p_m AND ((p_g_gates AND p_m_requires_gates) OR p_explicit)
$$;

-- Whether a student's step g keeps the step m that needs it (lx.step_needs) from being confirmed:
-- g is pending, and the deferral point did not lift it for the student (p_g_lifted: a row of
-- lx.override for the student and g).
CREATE OR REPLACE FUNCTION lx.prereq_blocks(p_g_state text, p_g_lifted boolean, p_needs boolean)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_g_state = 'pending' AND NOT p_g_lifted AND p_needs
$$;

-- The mirror: whether a student's step d, which needs step m, keeps m from being revoked: d is
-- done, and the deferral point did not lift m for the student (p_m_lifted: d went through the
-- lifted gate).
CREATE OR REPLACE FUNCTION lx.dependent_blocks(p_d_state text, p_m_lifted boolean, p_needs boolean)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_d_state = 'done' AND NOT p_m_lifted AND p_needs
$$;

-- The rule over a set of students and one step p_step, as the door and the desk report it: for
-- each of p_students whom something keeps from confirming p_step, the pending steps that do
-- (codes space-separated, names separated by U+001F, in the order of points and steps),
-- whatever state p_step is in itself: callers ask for a pending one.  Inlined into the caller
-- too (a set-returning SQL function of one SELECT, STABLE).  p_step's own columns are read by a
-- sub-select, which the plan runs once: the steps that can block are then known before the
-- students' states are read (with p_step as a joined row, lx.change read all 219 pending
-- states of a class of 40 where it read one before).  Arguments must be plain expressions (a
-- parameter, ARRAY[s.id]), not sub-selects, or PostgreSQL does not inline it.
CREATE OR REPLACE FUNCTION lx.blocking_prereqs(p_students integer[], p_step integer)
RETURNS TABLE (student_id integer, missing text, missing_names text)
LANGUAGE sql STABLE AS $$
    SELECT gs.student_id,
           string_agg(g.code, ' ' ORDER BY p.sort, g.sort, g.id),
           string_agg(g.name, E'\x1f' ORDER BY p.sort, g.sort, g.id)
      FROM lx.step_state gs
      JOIN lx.step g ON g.id = gs.step_id
      JOIN lx.point p ON p.id = g.point_id
      LEFT JOIN lx.override o ON o.student_id = gs.student_id AND o.step_id = g.id
     WHERE gs.student_id = ANY (p_students)
       AND lx.prereq_blocks(gs.state, o.student_id IS NOT NULL,
                            lx.step_needs(p_step,
                                          (SELECT m.requires_gates FROM lx.step m
                                            WHERE m.id = p_step),
                                          g.id, g.gates,
                                          g.id IN (SELECT q.requires_id FROM lx.step_prereq q
                                                    WHERE q.step_id = p_step)))
     GROUP BY gs.student_id
$$;

-- Its mirror: for each of p_students for whom revoking p_step would break done steps, those
-- steps' codes, space-separated, in step order.
CREATE OR REPLACE FUNCTION lx.blocking_dependents(p_students integer[], p_step integer)
RETURNS TABLE (student_id integer, dependents text)
LANGUAGE sql STABLE AS $$
    SELECT ds.student_id, string_agg(d.code, ' ' ORDER BY d.sort, d.id)
      FROM lx.step_state ds
      JOIN lx.step d ON d.id = ds.step_id
      LEFT JOIN lx.override o ON o.student_id = ds.student_id AND o.step_id = p_step
     WHERE ds.student_id = ANY (p_students)
       AND lx.dependent_blocks(ds.state, o.student_id IS NOT NULL,
                               lx.step_needs(d.id, d.requires_gates, p_step,
                                             (SELECT m.gates FROM lx.step m WHERE m.id = p_step),
                                             d.id IN (SELECT q.step_id FROM lx.step_prereq q
                                                       WHERE q.requires_id = p_step)))
     GROUP BY ds.student_id
$$;

-- One student and one step, for the statements that ask row by row (lx.batch_list,
-- lx.scope_batch, lx.sync_steps): lx.blocking_prereqs, with the plan PL/pgSQL keeps per
-- connection.  Inlined into lx.batch_list instead, the rule added 2 ms of planning to each
-- batch list (9.2 -> 11.2 ms, median of 6 runs of 150), which is planned on every request.
CREATE OR REPLACE FUNCTION lx.missing_prereqs(p_student integer, p_step integer)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
 SET plan_cache_mode TO 'force_generic_plan'
AS $function$BEGIN
    RETURN (SELECT b.missing FROM lx.blocking_prereqs(ARRAY[p_student], p_step) b);
END$function$;

-- The done steps that depend on p_step for p_student (revoking p_step would break them).
CREATE OR REPLACE FUNCTION lx.done_dependents(p_student integer, p_step integer)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
 SET plan_cache_mode TO 'force_generic_plan'
AS $function$BEGIN
    RETURN (SELECT b.dependents FROM lx.blocking_dependents(ARRAY[p_student], p_step) b);
END$function$;

-- Whether p_login may act on p_point for students of this college and programme.  PL/pgSQL
-- for the plan it keeps per connection: as an SQL function its EXISTS cannot be inlined
-- (PostgreSQL inlines no sub-select), and every statement that called it planned it anew,
-- 0.23 ms of planning and 0.07 of running in each confirm (pg_stat_statements, track all).
CREATE OR REPLACE FUNCTION lx.operator_covers(p_login text, p_point integer, p_college integer,
                                   p_programme text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (
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
                           END)));
END
$$;

-- Whether step a (transitively) requires step b (lx.step_needs).
CREATE OR REPLACE FUNCTION lx.step_requires(p_a integer, p_b integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE edge (step_id, requires_id) AS (
        SELECT m.id, g.id
          FROM lx.step m
          JOIN lx.step g ON lx.step_needs(m.id, m.requires_gates, g.id, g.gates,
                                          (m.id, g.id) IN (SELECT q.step_id, q.requires_id
                                                             FROM lx.step_prereq q))
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

-- The version of a student's sheet (the ETag of their page): the student's revision
-- (lx.sheet_rev, none yet: 0) and the configuration's (lx.config_version), which the triggers of
-- sheet.sql advance.  An expression: inlined into lx.student_accounts and lx.student_sheet,
-- which read the two revisions as suits each.  STABLE, not IMMUTABLE: bigint || text is only
-- stable, and PostgreSQL does not inline a function declared less volatile than its body
-- (declared IMMUTABLE, the view called it as a function: 0.13 -> 0.18 ms a login).
CREATE OR REPLACE FUNCTION lx.sheet_version(p_student_rev bigint, p_config_rev bigint)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(p_student_rev, 0) || '.' || p_config_rev
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
