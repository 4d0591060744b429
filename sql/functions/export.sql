-- export.sql: the desk's exports (pending and cleared students), plain values: the module
-- guards the cells against spreadsheet formulas (core/lx_export.c).

-- Students still pending p_step within a desk's scope (optionally one class).
CREATE OR REPLACE FUNCTION lx.export_pending(p_point integer, p_college integer, p_step_code text,
                                  p_class text DEFAULT NULL)
RETURNS TABLE ("学号" text, "姓名" text, "学院" text, "班级" text, "宿舍" text, "届" text,
               "未完成业务" text, "办理地点" text)
LANGUAGE sql STABLE AS $$
    SELECT s.student_no, s.name, co.name, cl.name,
           CASE WHEN d.id IS NOT NULL THEN d.building || ' ' || d.room END, ch.name,
           st.name,
           CASE WHEN p.scope = 'college'
                THEN CASE WHEN p.cert_desk THEN co.cert_office ELSE co.office END
                ELSE p.location END
      FROM lx.step st
      JOIN lx.point p ON p.id = st.point_id
      JOIN lx.step_state ss ON ss.step_id = st.id AND ss.state = 'pending'
      JOIN lx.student s ON s.id = ss.student_id
      JOIN lx.cohort ch ON ch.id = s.cohort_id AND NOT ch.closed
      JOIN lx.college co ON co.id = s.college_id
      JOIN lx.class cl ON cl.id = s.class_id
      LEFT JOIN lx.dorm_room d ON d.id = s.dorm_room_id
     WHERE st.code = p_step_code AND st.point_id = p_point
       AND (p_class IS NULL OR cl.code = p_class)
       AND lx.in_desk_scope(p_point, p_college, s.id)
     ORDER BY cl.code, s.student_no
$$;

-- Students with every required step done (the proof list), within a desk's scope, or of one
-- college (p_point NULL: the administrator's export), optionally one class.
CREATE OR REPLACE FUNCTION lx.export_cleared(p_point integer, p_college integer, p_class text DEFAULT NULL)
RETURNS TABLE ("学号" text, "姓名" text, "学院" text, "班级" text, "届" text, "办结时间" text)
LANGUAGE sql STABLE AS $$
    SELECT s.student_no, s.name, co.name, cl.name, ch.name,
           (SELECT to_char(max(ss.at), 'YYYY-MM-DD HH24:MI') FROM lx.step_state ss
             WHERE ss.student_id = s.id AND ss.state = 'done')
      FROM lx.student s
      JOIN lx.cohort ch ON ch.id = s.cohort_id
      JOIN lx.college co ON co.id = s.college_id
      JOIN lx.class cl ON cl.id = s.class_id
     WHERE (p_class IS NULL OR cl.code = p_class)
       AND CASE WHEN p_point IS NULL THEN p_college IS NULL OR s.college_id = p_college
                ELSE lx.in_desk_scope(p_point, p_college, s.id) END
       AND EXISTS (SELECT 1 FROM lx.step_state ss WHERE ss.student_id = s.id)
       AND NOT EXISTS (SELECT 1 FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
                        WHERE ss.student_id = s.id AND ss.state = 'pending'
                          AND NOT st.optional)
     ORDER BY ch.year DESC, cl.code, s.student_no
$$;
