-- 012_dashboard: the leaders' dashboard (/lx/stats) reads the counters of 011, never
-- lx.step_state as a whole; only the list of one class's pending students reads states, by the
-- class's students.

-- Every cohort: graduates, cleared.
CREATE FUNCTION lx.stats_cohorts()
RETURNS TABLE (id integer, name text, programme text, closed boolean, students bigint,
               cleared bigint)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.name, c.programme, c.closed,
           coalesce(sum(s.students), 0)::bigint, coalesce(sum(s.cleared), 0)::bigint
      FROM lx.cohort c LEFT JOIN lx.stat_students_college s ON s.cohort_id = c.id
     GROUP BY c.id ORDER BY c.closed, c.year DESC, c.programme DESC
$$;

-- One cohort per college.
CREATE FUNCTION lx.stats_colleges(p_cohort integer)
RETURNS TABLE (code text, name text, students bigint, cleared bigint)
LANGUAGE sql STABLE AS $$
    SELECT co.code, co.name, sum(s.students)::bigint, sum(s.cleared)::bigint
      FROM lx.stat_students_college s JOIN lx.college co ON co.id = s.college_id
     WHERE s.cohort_id = p_cohort
     GROUP BY co.id HAVING sum(s.students) > 0 ORDER BY co.code
$$;

-- One cohort (optionally one college) per point and step.
CREATE FUNCTION lx.stats_steps(p_cohort integer, p_college text DEFAULT NULL)
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
CREATE FUNCTION lx.stats_classes(p_cohort integer, p_college text)
RETURNS TABLE (code text, name text, students bigint, cleared bigint)
LANGUAGE sql STABLE AS $$
    SELECT cl.code, cl.name, sum(s.students)::bigint, sum(s.cleared)::bigint
      FROM lx.stat_students s JOIN lx.class cl ON cl.id = s.class_id
     WHERE s.cohort_id = p_cohort
       AND s.college_id = (SELECT id FROM lx.college WHERE code = p_college)
     GROUP BY cl.id HAVING sum(s.students) > 0 ORDER BY cl.code
$$;

-- The students of a class still pending, with what each lacks.
CREATE FUNCTION lx.stats_pending(p_class text)
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
CREATE FUNCTION lx.stats_days(p_cohort integer)
RETURNS TABLE (day date, gained bigint, cleared bigint)
LANGUAGE sql STABLE AS $$
    SELECT d.day, sum(d.cleared)::bigint,
           sum(sum(d.cleared)) OVER (ORDER BY d.day)::bigint
      FROM lx.stat_day d WHERE d.cohort_id = p_cohort
     GROUP BY d.day ORDER BY d.day
$$;
