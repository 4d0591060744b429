-- stats.sql: the live counters (lx.stat_*) kept exact by triggers in the transaction that
-- changes a state or a student, and what the desk and the leaders' dashboard (/lx/stats) read
-- from them.

-- A student's own row: moving class or college moves their counts; leaving takes them out (their states are removed by the cascade, which the
-- state trigger then no longer counts: the student row is gone).
-- Add (p_sign 1) or take away (-1) one student's counts at a cohort, college and class.
CREATE OR REPLACE FUNCTION lx.stat_student_counts(p_student integer, p_cohort integer, p_college integer,
                                       p_class integer, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_stripe smallint := lx.stat_stripe();
    v_cleared integer := lx.student_cleared(p_student)::int;
BEGIN
    WITH per_step AS (
        SELECT ss.step_id, p_sign * count(*) FILTER (WHERE ss.state <> 'na') AS app,
               p_sign * count(*) FILTER (WHERE ss.state = 'done') AS done
          FROM lx.step_state ss WHERE ss.student_id = p_student GROUP BY ss.step_id
    ), cls AS (
        INSERT INTO lx.stat_class AS t (cohort_id, step_id, college_id, class_id, stripe,
                                        applicable, done)
        SELECT p_cohort, step_id, p_college, p_class, v_stripe, app, done FROM per_step
         ORDER BY step_id
        ON CONFLICT (cohort_id, college_id, class_id, step_id, stripe) DO UPDATE
           SET applicable = t.applicable + EXCLUDED.applicable, done = t.done + EXCLUDED.done
        RETURNING 1
    )
    INSERT INTO lx.stat_college AS t (cohort_id, step_id, college_id, stripe, applicable, done)
    SELECT p_cohort, step_id, p_college, v_stripe, app, done FROM per_step ORDER BY step_id
    ON CONFLICT (cohort_id, step_id, college_id, stripe) DO UPDATE
       SET applicable = t.applicable + EXCLUDED.applicable, done = t.done + EXCLUDED.done;
    INSERT INTO lx.stat_students AS t (cohort_id, college_id, class_id, stripe, students,
                                       cleared)
    VALUES (p_cohort, p_college, p_class, v_stripe, p_sign, p_sign * v_cleared)
    ON CONFLICT (cohort_id, college_id, class_id, stripe) DO UPDATE
       SET students = t.students + EXCLUDED.students, cleared = t.cleared + EXCLUDED.cleared;
    INSERT INTO lx.stat_students_college AS t (cohort_id, college_id, stripe, students, cleared)
    VALUES (p_cohort, p_college, v_stripe, p_sign, p_sign * v_cleared)
    ON CONFLICT (cohort_id, college_id, stripe) DO UPDATE
       SET students = t.students + EXCLUDED.students, cleared = t.cleared + EXCLUDED.cleared;
END;
$$;

CREATE OR REPLACE FUNCTION lx.stat_student_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lx.stat_student_counts(OLD.id, OLD.cohort_id, OLD.college_id, OLD.class_id, -1);
    IF TG_OP = 'UPDATE' THEN
        PERFORM lx.stat_student_counts(NEW.id, NEW.cohort_id, NEW.college_id, NEW.class_id, 1);
        RETURN NULL;
    END IF;
    RETURN OLD;         -- BEFORE DELETE: let the deletion go ahead
END;
$$;

-- New students have no states yet (the states reference them): they count as graduates, set
-- based for a whole roster.
CREATE OR REPLACE FUNCTION lx.stat_student_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lx.stat_students AS t (cohort_id, college_id, class_id, stripe, students)
    SELECT cohort_id, college_id, class_id, lx.stat_stripe(), count(*) FROM new_rows
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (cohort_id, college_id, class_id, stripe) DO UPDATE
       SET students = t.students + EXCLUDED.students;
    INSERT INTO lx.stat_students_college AS t (cohort_id, college_id, stripe, students)
    SELECT cohort_id, college_id, lx.stat_stripe(), count(*) FROM new_rows
     GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (cohort_id, college_id, stripe) DO UPDATE
       SET students = t.students + EXCLUDED.students;
    RETURN NULL;
END;
$$;

-- The desk's statistics area: per step of a desk's point, over the open cohorts of its scope.
CREATE OR REPLACE FUNCTION lx.desk_stats(p_point integer, p_college integer)
RETURNS TABLE (step_code text, step_name text, optional boolean, applicable bigint,
               done bigint, pending bigint, proposed bigint)
LANGUAGE sql STABLE AS $$
    SELECT st.code, st.name, st.optional, sum(c.applicable)::bigint, sum(c.done)::bigint,
           (sum(c.applicable) - sum(c.done))::bigint,
           -- proposals are few (the bank's pending ones): counted from the partial index
           (SELECT count(*) FROM lx.step_state ss
             WHERE ss.step_id = st.id AND ss.proposed
               AND (p_college IS NULL OR EXISTS (SELECT 1 FROM lx.student s
                                                  WHERE s.id = ss.student_id
                                                    AND s.college_id = p_college)))
      FROM lx.step st
      JOIN lx.point p ON p.id = st.point_id
      JOIN lx.stat_college c ON c.step_id = st.id
      JOIN lx.cohort ch ON ch.id = c.cohort_id AND NOT ch.closed
     WHERE st.point_id = p_point
       AND CASE p.scope
           WHEN 'college' THEN c.college_id = p_college
           ELSE EXISTS (SELECT 1 FROM lx.point_programme pp
                         WHERE pp.point_id = p.id AND pp.programme = ch.programme)
           END
     GROUP BY st.id
    HAVING sum(c.applicable) > 0 OR sum(c.done) > 0
     ORDER BY st.sort, st.id
$$;

-- Every counter compared with a direct count (for the tests): one row per difference.
CREATE OR REPLACE FUNCTION lx.stat_differences()
RETURNS TABLE (what text, cohort_id integer, college_id integer, class_id integer,
               step_id integer, counted bigint, direct bigint)
LANGUAGE sql STABLE AS $$
    WITH direct AS (
        SELECT ss.cohort_id, s.college_id, s.class_id, ss.step_id,
               count(*) FILTER (WHERE ss.state <> 'na') AS app,
               count(*) FILTER (WHERE ss.state = 'done') AS done
          FROM lx.step_state ss JOIN lx.student s ON s.id = ss.student_id
         GROUP BY 1, 2, 3, 4
    ), counted AS (
        SELECT cohort_id, college_id, class_id, step_id, sum(applicable) AS app,
               sum(done) AS done
          FROM lx.stat_class GROUP BY 1, 2, 3, 4
    ), college_counted AS (
        SELECT cohort_id, college_id, step_id, sum(applicable) AS app, sum(done) AS done
          FROM lx.stat_college GROUP BY 1, 2, 3
    ), college_direct AS (
        SELECT cohort_id, college_id, step_id, sum(app) AS app, sum(done) AS done
          FROM direct GROUP BY 1, 2, 3
    ), students_direct AS (
        SELECT s.cohort_id, s.college_id, s.class_id, count(*) AS students,
               count(*) FILTER (WHERE lx.student_cleared(s.id)) AS cleared
          FROM lx.student s GROUP BY 1, 2, 3
    ), college_students_counted AS (
        SELECT cohort_id, college_id, sum(students) AS students, sum(cleared) AS cleared
          FROM lx.stat_students_college GROUP BY 1, 2
    ), college_students_direct AS (
        SELECT cohort_id, college_id, sum(students) AS students, sum(cleared) AS cleared
          FROM students_direct GROUP BY 1, 2
    ), students_counted AS (
        SELECT cohort_id, college_id, class_id, sum(students) AS students,
               sum(cleared) AS cleared
          FROM lx.stat_students GROUP BY 1, 2, 3
    )
    SELECT 'class applicable', coalesce(d.cohort_id, c.cohort_id),
           coalesce(d.college_id, c.college_id), coalesce(d.class_id, c.class_id),
           coalesce(d.step_id, c.step_id), coalesce(c.app, 0)::bigint, coalesce(d.app, 0)::bigint
      FROM direct d FULL JOIN counted c USING (cohort_id, college_id, class_id, step_id)
     WHERE coalesce(c.app, 0) <> coalesce(d.app, 0)
    UNION ALL
    SELECT 'class done', coalesce(d.cohort_id, c.cohort_id),
           coalesce(d.college_id, c.college_id), coalesce(d.class_id, c.class_id),
           coalesce(d.step_id, c.step_id), coalesce(c.done, 0)::bigint,
           coalesce(d.done, 0)::bigint
      FROM direct d FULL JOIN counted c USING (cohort_id, college_id, class_id, step_id)
     WHERE coalesce(c.done, 0) <> coalesce(d.done, 0)
    UNION ALL
    SELECT 'college', coalesce(d.cohort_id, c.cohort_id), coalesce(d.college_id, c.college_id),
           NULL, coalesce(d.step_id, c.step_id),
           (coalesce(c.app, 0) * 1000000 + coalesce(c.done, 0))::bigint,
           (coalesce(d.app, 0) * 1000000 + coalesce(d.done, 0))::bigint
      FROM college_direct d FULL JOIN college_counted c USING (cohort_id, college_id, step_id)
     WHERE coalesce(c.app, 0) <> coalesce(d.app, 0) OR coalesce(c.done, 0) <> coalesce(d.done, 0)
    UNION ALL
    SELECT 'students', coalesce(d.cohort_id, c.cohort_id), coalesce(d.college_id, c.college_id),
           coalesce(d.class_id, c.class_id), NULL,
           (coalesce(c.students, 0) * 1000000 + coalesce(c.cleared, 0))::bigint,
           (coalesce(d.students, 0) * 1000000 + coalesce(d.cleared, 0))::bigint
      FROM students_direct d FULL JOIN students_counted c
           USING (cohort_id, college_id, class_id)
     WHERE coalesce(c.students, 0) <> coalesce(d.students, 0)
        OR coalesce(c.cleared, 0) <> coalesce(d.cleared, 0)
    UNION ALL
    SELECT 'college students', coalesce(d.cohort_id, c.cohort_id),
           coalesce(d.college_id, c.college_id), NULL, NULL,
           (coalesce(c.students, 0) * 1000000 + coalesce(c.cleared, 0))::bigint,
           (coalesce(d.students, 0) * 1000000 + coalesce(d.cleared, 0))::bigint
      FROM college_students_direct d FULL JOIN college_students_counted c
           USING (cohort_id, college_id)
     WHERE coalesce(c.students, 0) <> coalesce(d.students, 0)
        OR coalesce(c.cleared, 0) <> coalesce(d.cleared, 0)
$$;

-- Every cohort: graduates, cleared.
CREATE OR REPLACE FUNCTION lx.stats_cohorts()
RETURNS TABLE (id integer, name text, programme text, closed boolean, students bigint,
               cleared bigint)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.name, c.programme, c.closed,
           coalesce(sum(s.students), 0)::bigint, coalesce(sum(s.cleared), 0)::bigint
      FROM lx.cohort c LEFT JOIN lx.stat_students_college s ON s.cohort_id = c.id
     GROUP BY c.id ORDER BY c.closed, c.year DESC, c.programme DESC
$$;

-- One cohort per college.
CREATE OR REPLACE FUNCTION lx.stats_colleges(p_cohort integer)
RETURNS TABLE (code text, name text, students bigint, cleared bigint)
LANGUAGE sql STABLE AS $$
    SELECT co.code, co.name, sum(s.students)::bigint, sum(s.cleared)::bigint
      FROM lx.stat_students_college s JOIN lx.college co ON co.id = s.college_id
     WHERE s.cohort_id = p_cohort
     GROUP BY co.id HAVING sum(s.students) > 0 ORDER BY co.code
$$;

-- One cohort (optionally one college) per point and step.
CREATE OR REPLACE FUNCTION lx.stats_steps(p_cohort integer, p_college text DEFAULT NULL)
RETURNS TABLE (point text, point_name text, step text, step_name text, optional boolean,
               applicable bigint, done bigint)
LANGUAGE sql STABLE AS $$
    SELECT p.code, p.name, st.code, st.name, st.optional,
           sum(c.applicable)::bigint, sum(c.done)::bigint
      FROM lx.stat_college c
      JOIN lx.step st ON st.id = c.step_id
      JOIN lx.point p ON p.id = st.point_id
     WHERE c.cohort_id = p_cohort
       AND (p_college IS NULL OR c.college_id = (SELECT id FROM lx.college WHERE code = p_college))
     GROUP BY p.id, st.id HAVING sum(c.applicable) > 0
     ORDER BY p.sort, p.id, st.sort, st.id
$$;

-- One cohort and college per class.
CREATE OR REPLACE FUNCTION lx.stats_classes(p_cohort integer, p_college text)
RETURNS TABLE (code text, name text, students bigint, cleared bigint)
LANGUAGE sql STABLE AS $$
    SELECT cl.code, cl.name, sum(s.students)::bigint, sum(s.cleared)::bigint
      FROM lx.stat_students s JOIN lx.class cl ON cl.id = s.class_id
     WHERE s.cohort_id = p_cohort
       AND s.college_id = (SELECT id FROM lx.college WHERE code = p_college)
     GROUP BY cl.id HAVING sum(s.students) > 0 ORDER BY cl.code
$$;

-- The students of a class still pending, with what each lacks.
CREATE OR REPLACE FUNCTION lx.stats_pending(p_class text)
RETURNS TABLE (student_no text, name text, dorm text, lacking text, lacking_count bigint)
LANGUAGE sql STABLE AS $$
    SELECT s.student_no, s.name,
           CASE WHEN d.id IS NOT NULL THEN d.building || ' ' || d.room END,
           string_agg(st.name, '、' ORDER BY p.sort, st.sort), count(*)
      FROM lx.class cl
      JOIN lx.student s ON s.class_id = cl.id
      JOIN lx.step_state ss ON ss.student_id = s.id AND ss.state = 'pending'
      JOIN lx.step st ON st.id = ss.step_id AND NOT st.optional
      JOIN lx.point p ON p.id = st.point_id
      LEFT JOIN lx.dorm_room d ON d.id = s.dorm_room_id
     WHERE cl.code = p_class
     GROUP BY s.id, d.id ORDER BY count(*) DESC, s.student_no
$$;

-- Progress over the clearance days: cleared students gained per day and in all so far.
CREATE OR REPLACE FUNCTION lx.stats_days(p_cohort integer)
RETURNS TABLE (day date, gained bigint, cleared bigint)
LANGUAGE sql STABLE AS $$
    SELECT d.day, sum(d.cleared)::bigint,
           sum(sum(d.cleared)) OVER (ORDER BY d.day)::bigint
      FROM lx.stat_day d WHERE d.cohort_id = p_cohort
     GROUP BY d.day ORDER BY d.day
$$;

CREATE OR REPLACE FUNCTION lx.stat_stripe() RETURNS smallint
LANGUAGE sql VOLATILE AS $$ SELECT (pg_backend_pid() % 64)::smallint $$;

-- Apply deltas (sign -1: a state that was, +1: a state that is) to the counters of 011: the
-- i-th delta is (p_student[i], p_step[i], p_cohort[i], p_sign[i], p_state[i]).
CREATE OR REPLACE FUNCTION lx.stat_apply(p_student integer[], p_step integer[], p_cohort integer[],
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

    -- cleared students: now, and before this statement (now minus its deltas).  Whether a
    -- student is cleared now or was before depends on their count of states only while it is
    -- 0 or d_states, and on their pending ones only while it is 0 or d_pending: each is
    -- counted up to one more than that (a count that reaches the cap is above both, and the
    -- formulas below give false for both as for the exact count).  A confirm (d_pending -1)
    -- then stops at a student's first pending step instead of reading all of their states.
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
               (now_s.n > 0 AND now_p.n = 0)::int
               - ((now_s.n - p.d_states) > 0 AND (now_p.n - p.d_pending) = 0)::int AS delta
          FROM per_student p
          JOIN lx.student s ON s.id = p.student_id
          CROSS JOIN LATERAL (
              SELECT count(*) AS n
                FROM (SELECT 1 FROM lx.step_state ss
                       WHERE ss.student_id = p.student_id
                       LIMIT greatest(p.d_states, 0) + 1) x) now_s
          CROSS JOIN LATERAL (
              SELECT count(*) AS n
                FROM (SELECT 1 FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
                       WHERE ss.student_id = p.student_id AND ss.state = 'pending'
                         AND NOT st.optional
                       LIMIT greatest(p.d_pending, 0) + 1) x) now_p
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

CREATE OR REPLACE TRIGGER stat_state_ins AFTER INSERT ON lx.step_state
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lx.stat_state_ins();

CREATE OR REPLACE TRIGGER stat_state_upd AFTER UPDATE ON lx.step_state
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lx.stat_state_upd();

CREATE OR REPLACE TRIGGER stat_state_del AFTER DELETE ON lx.step_state
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lx.stat_state_del();

CREATE OR REPLACE TRIGGER stat_student_ins AFTER INSERT ON lx.student
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION lx.stat_student_ins();

CREATE OR REPLACE TRIGGER stat_student_move AFTER UPDATE OF college_id, class_id, cohort_id ON lx.student
    FOR EACH ROW WHEN ((OLD.college_id, OLD.class_id, OLD.cohort_id)
                       IS DISTINCT FROM (NEW.college_id, NEW.class_id, NEW.cohort_id))
    EXECUTE FUNCTION lx.stat_student_row();

CREATE OR REPLACE TRIGGER stat_student_del BEFORE DELETE ON lx.student
    FOR EACH ROW EXECUTE FUNCTION lx.stat_student_row();
