-- 011_stats: live statistics kept exact in the transaction that changes a state.
--
-- Statement-level triggers on lx.step_state (with transition tables, so a batch of 40 is one
-- set-based update of the counters) and row triggers on lx.student keep striped counters:
--   lx.stat_class    (cohort, step, college, class, stripe): applicable, done
--   lx.stat_college  (cohort, step, college, stripe):        applicable, done
--   lx.stat_students (cohort, college, class, stripe):       students, cleared
-- A stripe is chosen per statement, so that concurrent batches of different operators rarely
-- touch the same counter row; readers sum over the stripes.  Every figure is a sum of deltas
-- written in the same transaction as the change: exact at every moment, never a scan of
-- lx.step_state.  A student is cleared when every required step that applies is done.

CREATE TABLE lx.stat_class (
    cohort_id   integer NOT NULL,
    step_id     integer NOT NULL,
    college_id  integer NOT NULL,
    class_id    integer NOT NULL,
    stripe      smallint NOT NULL,
    applicable  bigint NOT NULL DEFAULT 0,
    done        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_id, college_id, class_id, step_id, stripe)
);

CREATE TABLE lx.stat_college (
    cohort_id   integer NOT NULL,
    step_id     integer NOT NULL,
    college_id  integer NOT NULL,
    stripe      smallint NOT NULL,
    applicable  bigint NOT NULL DEFAULT 0,
    done        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_id, step_id, college_id, stripe)
);

CREATE TABLE lx.stat_students (
    cohort_id   integer NOT NULL,
    college_id  integer NOT NULL,
    class_id    integer NOT NULL,
    stripe      smallint NOT NULL,
    students    bigint NOT NULL DEFAULT 0,
    cleared     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_id, college_id, class_id, stripe)
);

-- The same per college: the dashboard's top level reads a few hundred rows at any size.
CREATE TABLE lx.stat_students_college (
    cohort_id   integer NOT NULL,
    college_id  integer NOT NULL,
    stripe      smallint NOT NULL,
    students    bigint NOT NULL DEFAULT 0,
    cleared     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_id, college_id, stripe)
);

-- Cleared students gained (or lost) per day.
CREATE TABLE lx.stat_day (
    cohort_id   integer NOT NULL,
    day         date NOT NULL,
    stripe      smallint NOT NULL,
    cleared     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_id, day, stripe)
);

-- How many stripes; a statement picks one at random.
CREATE FUNCTION lx.stat_stripe() RETURNS smallint
LANGUAGE sql VOLATILE AS $$ SELECT floor(random() * 16)::smallint $$;

-- Whether a student is cleared now: states exist and no required applicable step is pending.
CREATE FUNCTION lx.student_cleared(p_student integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM lx.step_state ss WHERE ss.student_id = p_student)
       AND NOT EXISTS (SELECT 1 FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
                        WHERE ss.student_id = p_student AND ss.state = 'pending'
                          AND NOT st.optional)
$$;

-- The changed states of one statement, filled by the triggers below (transition tables are
-- visible only inside the trigger function itself).
CREATE FUNCTION lx.stat_delta_table() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS lx_stat_delta (
        student_id integer, step_id integer, cohort_id integer, sign integer, state text
    ) ON COMMIT DROP;
END;
$$;

-- Apply the deltas in lx_stat_delta (sign -1: a state that was, +1: a state that is).
CREATE FUNCTION lx.stat_apply() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_stripe smallint := lx.stat_stripe();
BEGIN
    -- per class and step (students that no longer exist were taken out by their own trigger)
    WITH agg AS (
        SELECT d.cohort_id, d.step_id, s.college_id, s.class_id,
               sum(d.sign * (d.state <> 'na')::int) AS app,
               sum(d.sign * (d.state = 'done')::int) AS done
          FROM lx_stat_delta d JOIN lx.student s ON s.id = d.student_id
         GROUP BY 1, 2, 3, 4
        HAVING sum(d.sign * (d.state <> 'na')::int) <> 0
            OR sum(d.sign * (d.state = 'done')::int) <> 0
    ), cls AS (
        INSERT INTO lx.stat_class AS t (cohort_id, step_id, college_id, class_id, stripe,
                                        applicable, done)
        SELECT cohort_id, step_id, college_id, class_id, v_stripe, app, done FROM agg
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
          FROM lx_stat_delta d JOIN lx.step st ON st.id = d.step_id
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
    )
    , per_class AS (
        INSERT INTO lx.stat_students AS t (cohort_id, college_id, class_id, stripe, cleared)
        SELECT cohort_id, college_id, class_id, v_stripe, sum(delta) FROM flip
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
    TRUNCATE lx_stat_delta;
END;
$$;

CREATE FUNCTION lx.stat_state_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lx.stat_delta_table();
    INSERT INTO lx_stat_delta SELECT student_id, step_id, cohort_id, 1, state FROM new_rows;
    PERFORM lx.stat_apply();
    RETURN NULL;
END;
$$;
CREATE FUNCTION lx.stat_state_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lx.stat_delta_table();
    -- only rows whose state changed count (proposals and notes do not)
    INSERT INTO lx_stat_delta
    SELECT o.student_id, o.step_id, o.cohort_id, -1, o.state
      FROM old_rows o JOIN new_rows n USING (student_id, step_id) WHERE o.state <> n.state
    UNION ALL
    SELECT n.student_id, n.step_id, n.cohort_id, 1, n.state
      FROM old_rows o JOIN new_rows n USING (student_id, step_id) WHERE o.state <> n.state;
    PERFORM lx.stat_apply();
    RETURN NULL;
END;
$$;
CREATE FUNCTION lx.stat_state_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lx.stat_delta_table();
    INSERT INTO lx_stat_delta SELECT student_id, step_id, cohort_id, -1, state FROM old_rows;
    PERFORM lx.stat_apply();
    RETURN NULL;
END;
$$;
CREATE TRIGGER stat_state_ins AFTER INSERT ON lx.step_state
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lx.stat_state_ins();
CREATE TRIGGER stat_state_upd AFTER UPDATE ON lx.step_state
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lx.stat_state_upd();
CREATE TRIGGER stat_state_del AFTER DELETE ON lx.step_state
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lx.stat_state_del();

-- A student's own row: moving class or college moves their counts; leaving takes them out (their states are removed by the cascade, which the
-- state trigger then no longer counts: the student row is gone).
-- Add (p_sign 1) or take away (-1) one student's counts at a cohort, college and class.
CREATE FUNCTION lx.stat_student_counts(p_student integer, p_cohort integer, p_college integer,
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

CREATE FUNCTION lx.stat_student_row() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE FUNCTION lx.stat_student_ins() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER stat_student_ins AFTER INSERT ON lx.student
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION lx.stat_student_ins();
CREATE TRIGGER stat_student_move AFTER UPDATE OF college_id, class_id, cohort_id ON lx.student
    FOR EACH ROW WHEN ((OLD.college_id, OLD.class_id, OLD.cohort_id)
                       IS DISTINCT FROM (NEW.college_id, NEW.class_id, NEW.cohort_id))
    EXECUTE FUNCTION lx.stat_student_row();
CREATE TRIGGER stat_student_del BEFORE DELETE ON lx.student
    FOR EACH ROW EXECUTE FUNCTION lx.stat_student_row();

-- Counts of the data already there when this migration runs.
INSERT INTO lx.stat_class (cohort_id, step_id, college_id, class_id, stripe, applicable, done)
SELECT ss.cohort_id, ss.step_id, s.college_id, s.class_id, 0,
       count(*) FILTER (WHERE ss.state <> 'na'), count(*) FILTER (WHERE ss.state = 'done')
  FROM lx.step_state ss JOIN lx.student s ON s.id = ss.student_id GROUP BY 1, 2, 3, 4;
INSERT INTO lx.stat_college (cohort_id, step_id, college_id, stripe, applicable, done)
SELECT cohort_id, step_id, college_id, 0, sum(applicable), sum(done)
  FROM lx.stat_class GROUP BY 1, 2, 3;
INSERT INTO lx.stat_students (cohort_id, college_id, class_id, stripe, students, cleared)
SELECT s.cohort_id, s.college_id, s.class_id, 0, count(*),
       count(*) FILTER (WHERE lx.student_cleared(s.id))
  FROM lx.student s GROUP BY 1, 2, 3;
INSERT INTO lx.stat_students_college (cohort_id, college_id, stripe, students, cleared)
SELECT cohort_id, college_id, 0, sum(students), sum(cleared)
  FROM lx.stat_students GROUP BY 1, 2;
-- a student already cleared counts on the day of their last confirmation
INSERT INTO lx.stat_day (cohort_id, day, stripe, cleared)
SELECT s.cohort_id, (max(ss.at) AT TIME ZONE 'Asia/Shanghai')::date, 0, 1
  FROM lx.student s JOIN lx.step_state ss ON ss.student_id = s.id
 WHERE lx.student_cleared(s.id)
 GROUP BY s.id
ON CONFLICT (cohort_id, day, stripe) DO UPDATE SET cleared = lx.stat_day.cleared + 1;

-- The desk's statistics area: per step of a desk's point, over the open cohorts of its scope.
CREATE FUNCTION lx.desk_stats(p_point integer, p_college integer)
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
CREATE INDEX step_state_proposed_idx ON lx.step_state (step_id) WHERE proposed;

-- Every counter compared with a direct count (for the tests): one row per difference.
CREATE FUNCTION lx.stat_differences()
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
