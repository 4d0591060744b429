-- 014_fast_stats: the live counters (011) without a temporary table.
--
-- 011 passed a statement's changed states from the trigger to lx.stat_apply through a
-- temporary table created ON COMMIT DROP.  Creating it is catalogue work in every transaction,
-- and because its OID is new each time, PL/pgSQL re-planned all of lx.stat_apply's statements
-- in every transaction: 8 of the 10 ms of confirming a class of 40.  The deltas now travel as
-- five arrays of plain values (four bytes an integer: a statement changing 15,000,000 states,
-- a cohort of 1,000,000 deleted, passes 60 MB arrays, far below the 1 GB limit of a value);
-- lx.stat_apply's plans are made once per connection and kept.
--
-- 011 also picked a stripe at random per statement, so two of sixteen operators confirming at
-- once often chose the same counter row and the second waited for the first to commit.  The
-- stripe of the shared rows (per college, per day) is now the backend's process ID modulo 64:
-- connections working at the same moment are different backends.  The rows of one class are
-- written at stripe 0: two batches of the same class wait for each other on the students'
-- locks anyway, and a class's rows stay one per step instead of growing with the stripes.
-- Readers sum over the stripes as before.

CREATE OR REPLACE FUNCTION lx.stat_stripe() RETURNS smallint
LANGUAGE sql VOLATILE AS $$ SELECT (pg_backend_pid() % 64)::smallint $$;

-- Apply deltas (sign -1: a state that was, +1: a state that is) to the counters of 011: the
-- i-th delta is (p_student[i], p_step[i], p_cohort[i], p_sign[i], p_state[i]).
CREATE FUNCTION lx.stat_apply(p_student integer[], p_step integer[], p_cohort integer[],
                              p_sign integer[], p_state text[]) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_stripe smallint := lx.stat_stripe();
BEGIN
    IF coalesce(cardinality(p_student), 0) = 0 THEN
        RETURN;
    END IF;
    -- per class and step (students that no longer exist were taken out by their own trigger)
    WITH agg AS (
        SELECT d.cohort_id, d.step_id, s.college_id, s.class_id,
               sum(d.sign * (d.state <> 'na')::int) AS app,
               sum(d.sign * (d.state = 'done')::int) AS done
          FROM unnest(p_student, p_step, p_cohort, p_sign, p_state)
               AS d (student_id, step_id, cohort_id, sign, state)
          JOIN lx.student s ON s.id = d.student_id
         GROUP BY 1, 2, 3, 4
        HAVING sum(d.sign * (d.state <> 'na')::int) <> 0
            OR sum(d.sign * (d.state = 'done')::int) <> 0
    ), cls AS (
        INSERT INTO lx.stat_class AS t (cohort_id, step_id, college_id, class_id, stripe,
                                        applicable, done)
        SELECT cohort_id, step_id, college_id, class_id, 0, app, done FROM agg
         ORDER BY cohort_id, college_id, class_id, step_id
        ON CONFLICT (cohort_id, college_id, class_id, step_id, stripe) DO UPDATE
           SET applicable = t.applicable + EXCLUDED.applicable, done = t.done + EXCLUDED.done
        RETURNING 1
    )
    INSERT INTO lx.stat_college AS t (cohort_id, step_id, college_id, stripe, applicable, done)
    SELECT cohort_id, step_id, college_id, v_stripe, sum(app), sum(done) FROM agg
     GROUP BY cohort_id, step_id, college_id
     ORDER BY cohort_id, step_id, college_id
    ON CONFLICT (cohort_id, step_id, college_id, stripe) DO UPDATE
       SET applicable = t.applicable + EXCLUDED.applicable, done = t.done + EXCLUDED.done;

    -- cleared students: now, and before this statement (now minus its deltas)
    WITH per_student AS (
        SELECT d.student_id,
               sum(d.sign) AS d_states,
               sum(d.sign * (d.state = 'pending' AND NOT st.optional)::int) AS d_pending
          FROM unnest(p_student, p_step, p_cohort, p_sign, p_state)
               AS d (student_id, step_id, cohort_id, sign, state)
          JOIN lx.step st ON st.id = d.step_id
         GROUP BY d.student_id
    ), flip AS (
        SELECT s.cohort_id, s.college_id, s.class_id,
               (now_c.states > 0 AND now_c.pending = 0)::int
               - ((now_c.states - p.d_states) > 0
                  AND (now_c.pending - p.d_pending) = 0)::int AS delta
          FROM per_student p
          JOIN lx.student s ON s.id = p.student_id
          CROSS JOIN LATERAL (
              SELECT count(*) AS states,
                     count(*) FILTER (WHERE ss.state = 'pending' AND NOT st.optional) AS pending
                FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
               WHERE ss.student_id = p.student_id) now_c
    ), per_class AS (
        INSERT INTO lx.stat_students AS t (cohort_id, college_id, class_id, stripe, cleared)
        SELECT cohort_id, college_id, class_id, 0, sum(delta) FROM flip
         GROUP BY 1, 2, 3 HAVING sum(delta) <> 0
         ORDER BY 1, 2, 3
        ON CONFLICT (cohort_id, college_id, class_id, stripe) DO UPDATE
           SET cleared = t.cleared + EXCLUDED.cleared
        RETURNING 1
    ), per_college AS (
        INSERT INTO lx.stat_students_college AS t (cohort_id, college_id, stripe, cleared)
        SELECT cohort_id, college_id, v_stripe, sum(delta) FROM flip
         GROUP BY 1, 2 HAVING sum(delta) <> 0
         ORDER BY 1, 2
        ON CONFLICT (cohort_id, college_id, stripe) DO UPDATE
           SET cleared = t.cleared + EXCLUDED.cleared
        RETURNING 1
    )
    -- the day's net change of cleared students: progress over the clearance days
    INSERT INTO lx.stat_day AS t (cohort_id, day, stripe, cleared)
    SELECT cohort_id, (now() AT TIME ZONE 'Asia/Shanghai')::date, v_stripe, sum(delta)
      FROM flip GROUP BY 1 HAVING sum(delta) <> 0 ORDER BY 1
    ON CONFLICT (cohort_id, day, stripe) DO UPDATE SET cleared = t.cleared + EXCLUDED.cleared;
END;
$$;

CREATE OR REPLACE FUNCTION lx.stat_state_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lx.stat_apply(a, b, c, d, e)
       FROM (SELECT array_agg(student_id), array_agg(step_id), array_agg(cohort_id),
                    array_agg(1), array_agg(state) FROM new_rows) x (a, b, c, d, e);
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION lx.stat_state_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- only rows whose state changed count (proposals and notes do not)
    PERFORM lx.stat_apply(a, b, c, d, e)
       FROM (SELECT array_agg(student_id), array_agg(step_id), array_agg(cohort_id),
                    array_agg(sign), array_agg(state)
               FROM (SELECT o.student_id, o.step_id, o.cohort_id, -1 AS sign, o.state
                       FROM old_rows o JOIN new_rows n USING (student_id, step_id)
                      WHERE o.state <> n.state
                     UNION ALL
                     SELECT n.student_id, n.step_id, n.cohort_id, 1, n.state
                       FROM old_rows o JOIN new_rows n USING (student_id, step_id)
                      WHERE o.state <> n.state) changed) x (a, b, c, d, e);
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION lx.stat_state_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lx.stat_apply(a, b, c, d, e)
       FROM (SELECT array_agg(student_id), array_agg(step_id), array_agg(cohort_id),
                    array_agg(-1), array_agg(state) FROM old_rows) x (a, b, c, d, e);
    RETURN NULL;
END;
$$;

DROP FUNCTION lx.stat_apply();
DROP FUNCTION lx.stat_delta_table();

-- lx.change (002) ran lx.operator_covers and lx.missing_prereqs once per student: 40 calls of
-- each for a class.  The same rules, now once per college and programme and one scan of the
-- students' states; the outcomes are those of 002.  Its statements, and those of the counters
-- and of lx.desk_change, keep one generic plan per connection: PL/pgSQL's default planned the
-- large statement anew on every call (custom plans looked cheaper), half of a single confirm.
CREATE OR REPLACE FUNCTION lx.change(p_action text, p_step_id integer, p_students integer[], p_how text,
                          p_login text, p_note text DEFAULT NULL, p_addr inet DEFAULT NULL,
                          p_request_id text DEFAULT NULL, p_atomic boolean DEFAULT false)
RETURNS TABLE (student_id integer, outcome text, detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    st lx.step;
BEGIN
    IF p_action NOT IN ('confirm', 'revoke') THEN
        RAISE EXCEPTION 'unknown action %', p_action USING ERRCODE = 'LX400';
    END IF;
    IF p_how NOT IN ('individual', 'class', 'dorm', 'scope') THEN
        RAISE EXCEPTION 'unknown confirmation mode %', p_how USING ERRCODE = 'LX400';
    END IF;
    IF p_note IS NOT NULL AND length(p_note) > 500 THEN
        RAISE EXCEPTION 'note longer than 500 characters' USING ERRCODE = 'LX400';
    END IF;
    IF p_action = 'revoke' AND coalesce(btrim(p_note), '') = '' THEN
        RAISE EXCEPTION 'a revoke needs a reason' USING ERRCODE = 'LX400';
    END IF;
    SELECT * INTO st FROM lx.step WHERE id = p_step_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown step %', p_step_id USING ERRCODE = 'LX404';
    END IF;

    -- a form carried out before is not carried out again
    IF p_request_id IS NOT NULL THEN
        INSERT INTO lx.submission (request_id, login) VALUES (p_request_id, p_login)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            RETURN QUERY SELECT DISTINCT sid, 'replayed'::text, NULL::text
                           FROM unnest(p_students) AS sid ORDER BY 1;
            RETURN;
        END IF;
    END IF;

    -- Serialise every change of these students (in one order, so batches never deadlock);
    -- from here on this transaction sees their latest committed state.
    PERFORM 1 FROM lx.student s WHERE s.id = ANY (p_students) ORDER BY s.id
        FOR NO KEY UPDATE;

    RETURN QUERY
    WITH req AS (
        SELECT DISTINCT sid FROM unnest(p_students) AS sid
    ), covers AS (
        -- the operator's scope, once per college and programme instead of once per student
        SELECT k.college_id, k.programme,
               lx.operator_covers(p_login, st.point_id, k.college_id, k.programme) AS ok
          FROM (SELECT DISTINCT s.college_id, c.programme
                  FROM lx.student s JOIN lx.cohort c ON c.id = s.cohort_id
                 WHERE s.id = ANY (p_students)) k
    ), blockers AS (
        -- lx.missing_prereqs (confirm) and lx.done_dependents (revoke) for all the students
        -- in one scan of their states
        SELECT gs.student_id, string_agg(g.code, ' ' ORDER BY p.sort, g.sort, g.id) AS missing
          FROM lx.step_state gs
          JOIN lx.step g ON g.id = gs.step_id
          JOIN lx.point p ON p.id = g.point_id
         WHERE p_action = 'confirm'
           AND gs.student_id = ANY (p_students)
           AND gs.state = 'pending'
           AND g.id <> p_step_id
           AND ((g.gates AND st.requires_gates)
                OR g.id IN (SELECT requires_id FROM lx.step_prereq WHERE step_id = p_step_id))
           AND NOT EXISTS (SELECT 1 FROM lx.override o
                            WHERE o.student_id = gs.student_id AND o.step_id = g.id)
         GROUP BY gs.student_id
        UNION ALL
        SELECT ds.student_id, string_agg(d.code, ' ' ORDER BY d.sort, d.id)
          FROM lx.step_state ds
          JOIN lx.step d ON d.id = ds.step_id
         WHERE p_action = 'revoke'
           AND ds.student_id = ANY (p_students)
           AND ds.state = 'done'
           AND d.id <> p_step_id
           AND ((d.requires_gates AND st.gates)
                OR d.id IN (SELECT step_id FROM lx.step_prereq WHERE requires_id = p_step_id))
           AND NOT EXISTS (SELECT 1 FROM lx.override o
                            WHERE o.student_id = ds.student_id AND o.step_id = p_step_id)
         GROUP BY ds.student_id
    ), judged AS (
        SELECT r.sid,
               CASE
                   WHEN s.id IS NULL THEN 'unknown_student'
                   WHEN c.closed THEN 'cohort_closed'
                   WHEN NOT cv.ok THEN 'forbidden'
                   WHEN s.student_no = p_login THEN 'own_record'
                   WHEN ss.state IS NULL THEN 'not_enabled'
                   WHEN ss.state = 'na' THEN 'not_applicable'
                   WHEN st.automatic IS NOT NULL THEN 'automatic'
                   -- modes restrict confirming; a wrong click is undone however it was made
                   WHEN p_action = 'confirm' AND NOT (p_how = ANY (st.modes))
                       THEN 'mode_not_allowed'
                   WHEN p_action = 'confirm' AND ss.state = 'done' THEN 'unchanged'
                   WHEN p_action = 'revoke' AND ss.state = 'pending' THEN 'unchanged'
                   WHEN p_action = 'confirm' AND m.missing IS NOT NULL THEN 'prereq_missing'
                   WHEN p_action = 'revoke' AND m.missing IS NOT NULL THEN 'dependents_done'
                   ELSE 'ok'
               END AS outcome,
               m.missing,
               ss.state AS old_state
          FROM req r
          LEFT JOIN lx.student s ON s.id = r.sid
          LEFT JOIN lx.cohort c ON c.id = s.cohort_id
          LEFT JOIN lx.step_state ss ON ss.student_id = r.sid AND ss.step_id = p_step_id
          LEFT JOIN covers cv ON cv.college_id = s.college_id AND cv.programme = c.programme
          LEFT JOIN blockers b ON b.student_id = r.sid
          CROSS JOIN LATERAL (
              SELECT CASE WHEN ss.state IS NULL OR ss.state = 'na' THEN NULL
                          ELSE b.missing END AS missing) m
    ), verdict AS (
        SELECT p_atomic AND EXISTS (SELECT 1 FROM judged
                                     WHERE judged.outcome NOT IN ('ok', 'unchanged')) AS held
    ), upd AS (
        UPDATE lx.step_state t
           SET state = CASE p_action WHEN 'confirm' THEN 'done' ELSE 'pending' END,
               -- a revoked step is pending again: who revoked it and why is in the event log
               how = CASE p_action WHEN 'confirm' THEN p_how END,
               by_login = CASE p_action WHEN 'confirm' THEN p_login END,
               at = CASE p_action WHEN 'confirm' THEN now() END,
               note = CASE p_action WHEN 'confirm' THEN p_note END,
               proposed = false, proposed_at = NULL
          FROM judged j, verdict v
         WHERE j.outcome = 'ok' AND NOT v.held
           AND t.student_id = j.sid AND t.step_id = p_step_id
        RETURNING t.student_id, j.old_state, t.state
    ), ev AS (
        INSERT INTO lx.event (kind, login, student_id, point_id, step_id, how, old_state,
                              new_state, note, source_addr, request_id)
        SELECT p_action, p_login, u.student_id, st.point_id, p_step_id, p_how, u.old_state,
               u.state, p_note, p_addr, p_request_id
          FROM upd u
    )
    SELECT j.sid,
           CASE WHEN v.held AND j.outcome = 'ok' THEN 'held' ELSE j.outcome END,
           CASE WHEN j.outcome IN ('prereq_missing', 'dependents_done') THEN j.missing END
      FROM judged j, verdict v
     ORDER BY j.sid;
END;
$$;

ALTER FUNCTION lx.desk_change(text, text[], text[], text, text, text, inet, text)
    SET plan_cache_mode = force_generic_plan;
