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
--
-- The functions, views, triggers and grants it defined are in sql/functions/ (?.sql, rules.sql,
-- stats.sql), which scripts/migrate.sh applies after the migrations.

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
       count(*) FILTER (WHERE (EXISTS (SELECT 1 FROM lx.step_state ss1 WHERE ss1.student_id = s.id)
                    AND NOT EXISTS (SELECT 1 FROM lx.step_state ss1 JOIN lx.step st ON st.id = ss1.step_id
                                     WHERE ss1.student_id = s.id AND ss1.state = 'pending'
                                       AND NOT st.optional)))
  FROM lx.student s GROUP BY 1, 2, 3;
INSERT INTO lx.stat_students_college (cohort_id, college_id, stripe, students, cleared)
SELECT cohort_id, college_id, 0, sum(students), sum(cleared)
  FROM lx.stat_students GROUP BY 1, 2;
-- a student already cleared counts on the day of their last confirmation
INSERT INTO lx.stat_day (cohort_id, day, stripe, cleared)
SELECT s.cohort_id, (max(ss.at) AT TIME ZONE 'Asia/Shanghai')::date, 0, 1
  FROM lx.student s JOIN lx.step_state ss ON ss.student_id = s.id
 WHERE (EXISTS (SELECT 1 FROM lx.step_state ss1 WHERE ss1.student_id = s.id)
                    AND NOT EXISTS (SELECT 1 FROM lx.step_state ss1 JOIN lx.step st ON st.id = ss1.step_id
                                     WHERE ss1.student_id = s.id AND ss1.state = 'pending'
                                       AND NOT st.optional))
 GROUP BY s.id
ON CONFLICT (cohort_id, day, stripe) DO UPDATE SET cleared = lx.stat_day.cleared + 1;
CREATE INDEX step_state_proposed_idx ON lx.step_state (step_id) WHERE proposed;
