-- desk.sql: what the operator desk (/lx/op) reads (assignments, scope, search, batch lists),
-- and its all-or-nothing entry to the door (lx.desk_door).

-- The desks an operator may open: their operator_point rows; an administrator every point (for
-- a college-scoped point, each college).  The deferral point has its own page.  key identifies a
-- desk in URLs and forms: the point's code, then ':' and the college code where scoped.
CREATE OR REPLACE FUNCTION lx.desk_assignments(p_login text)
RETURNS TABLE (key text, point_id integer, point_code text, point_name text,
               college_id integer, college_code text, college_name text)
LANGUAGE sql STABLE AS $$
    SELECT p.code || coalesce(':' || c.code, ''), p.id, p.code, p.name, c.id, c.code, c.name
      FROM lx.operator o
      JOIN lx.operator_point op ON op.login = o.login
      JOIN lx.point p ON p.id = op.point_id AND NOT p.deferral
      LEFT JOIN lx.college c ON c.id = op.college_id
     WHERE o.login = p_login AND o.active AND NOT o.is_admin
    UNION ALL
    SELECT p.code || coalesce(':' || c.code, ''), p.id, p.code, p.name, c.id, c.code, c.name
      FROM lx.operator o
      JOIN lx.point p ON NOT p.deferral
      LEFT JOIN lx.college c ON p.scope = 'college'
     WHERE o.login = p_login AND o.active AND o.is_admin
    ORDER BY 2, 6
$$;

-- Whether a student belongs to a desk's scope: the desk's college for a college-scoped point,
-- the point's programmes otherwise.
CREATE OR REPLACE FUNCTION lx.in_desk_scope(p_point integer, p_college integer, p_student integer)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
          FROM lx.student s
          JOIN lx.cohort c ON c.id = s.cohort_id
          JOIN lx.point p ON p.id = p_point
         WHERE s.id = p_student
           AND CASE p.scope
               WHEN 'college' THEN s.college_id = p_college
               ELSE EXISTS (SELECT 1 FROM lx.point_programme pp
                             WHERE pp.point_id = p.id AND pp.programme = c.programme)
               END)
$$;

-- Search within a desk's scope by student number, identity number or name (exact, or the
-- beginning of a name).  At most 51 rows: the page says when there are more than 50.
CREATE OR REPLACE FUNCTION lx.find_students(p_point integer, p_college integer, p_kind text,
                                 p_value text)
RETURNS TABLE (student_no text, name text, college text, class text, cohort text)
LANGUAGE sql STABLE AS $$
    SELECT s.student_no, s.name, co.name, cl.name, ch.name
      FROM lx.student s
      JOIN lx.college co ON co.id = s.college_id
      JOIN lx.class cl ON cl.id = s.class_id
      JOIN lx.cohort ch ON ch.id = s.cohort_id
     WHERE CASE p_kind
           WHEN 'no' THEN s.student_no = p_value
           WHEN 'id' THEN s.id_number = upper(p_value)
           WHEN 'name' THEN s.name = p_value
                         OR s.name LIKE replace(replace(replace(p_value, '\', '\\'), '%', '\%'),
                                                '_', '\_') || '%'
           END
       AND lx.in_desk_scope(p_point, p_college, s.id)
     ORDER BY s.name = p_value DESC, ch.closed, s.student_no
     LIMIT 51
$$;

-- The class or dorm room of p_student_no, within the desk's scope, with the state of p_step for
-- each and why it cannot be confirmed (NULL: it can): done | na | automatic | own_record |
-- mode_not_allowed | cohort_closed | prereq_missing (missing: the step codes).
CREATE OR REPLACE FUNCTION lx.batch_list(p_point integer, p_college integer, p_step_code text,
                              p_mode text, p_student_no text, p_login text)
RETURNS TABLE (student_no text, name text, class text, dorm text, state text, by_name text,
               at text, blocked text, missing text, proposed boolean)
LANGUAGE sql STABLE AS $$
    WITH anchor AS (
        SELECT s.class_id, s.dorm_room_id
          FROM lx.student s
         WHERE s.student_no = p_student_no
           AND lx.in_desk_scope(p_point, p_college, s.id)
    ), st AS (
        SELECT * FROM lx.step WHERE code = p_step_code AND point_id = p_point
    )
    SELECT s.student_no, s.name, cl.name,
           CASE WHEN d.id IS NOT NULL THEN d.building || ' ' || d.room END,
           ss.state, op.name, to_char(ss.at, 'YYYY-MM-DD HH24:MI'),
           CASE
               WHEN ss.state = 'done' THEN 'done'
               WHEN ss.state = 'na' THEN 'na'
               WHEN ch.closed THEN 'cohort_closed'
               WHEN st.automatic IS NOT NULL THEN 'automatic'
               WHEN NOT (p_mode = ANY (st.modes)) THEN 'mode_not_allowed'
               WHEN s.student_no = p_login THEN 'own_record'
               WHEN m.missing IS NOT NULL THEN 'prereq_missing'
           END,
           m.missing, ss.proposed
      FROM anchor a
      CROSS JOIN st
      JOIN lx.student s ON CASE p_mode WHEN 'class' THEN s.class_id = a.class_id
                                       WHEN 'dorm' THEN s.dorm_room_id = a.dorm_room_id END
      JOIN lx.class cl ON cl.id = s.class_id
      JOIN lx.cohort ch ON ch.id = s.cohort_id
      LEFT JOIN lx.dorm_room d ON d.id = s.dorm_room_id
      JOIN lx.step_state ss ON ss.student_id = s.id AND ss.step_id = st.id
      LEFT JOIN lx.operator op ON op.login = ss.by_login
      LEFT JOIN LATERAL (SELECT CASE WHEN ss.state = 'pending'
                                     THEN lx.missing_prereqs(s.id, st.id) END AS missing) m
             ON true
     WHERE lx.in_desk_scope(p_point, p_college, s.id)
     ORDER BY s.student_no
$$;

-- The desk's entry to the door, one round trip for a confirm, a class batch or a revoke
-- (action_change.c): which desk of p_login the form was sent from (p_desk: its key; NULL: the
-- first, as /lx/op opens it), then confirm or revoke some steps (by code) for some students
-- (by number), all or nothing, in one call.  Before, the module read the account (two
-- statements) and the desk before the change; the account is now checked by the same rows as
-- lx.desk_assignments: an active operator with that desk.  Without one nothing is done and
-- the one row has outcome 'no_desk' (the rest NULL): the module then looks up the account and
-- the desk as every other page does and shows their refusal.
--
-- One lx.change call per step, each set-based over the students.  If any student or step is
-- refused, every write of this call is undone (a subtransaction) and the refused ones are
-- listed; those that would have passed come back as 'held'.  Each step's call carries
-- p_request_id suffixed with the step code, so that a form sent twice changes nothing.  Every
-- row carries the desk's key (desk_key), for the way back to it.
CREATE OR REPLACE FUNCTION lx.desk_door(p_login text, p_desk text, p_action text,
                                        p_step_codes text[], p_student_nos text[], p_how text,
                                        p_note text, p_addr inet, p_request_id text)
RETURNS TABLE (desk_key text, student_no text, name text, step_code text, step_name text,
               outcome text, detail text, detail_names text)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_key text;
    v_code text;
    v_step integer;
    ids integer[];
    unknown text[];
    refused boolean := false;
    -- the outcomes, a row of lx.change an element of each
    r_sid integer[] := '{}';
    r_code text[] := '{}';
    r_outcome text[] := '{}';
    r_detail text[] := '{}';
BEGIN
    SELECT a.key INTO v_key
      FROM lx.desk_assignments(p_login) a
     WHERE p_desk IS NULL OR a.key = p_desk
     ORDER BY a.point_id, a.college_code
     LIMIT 1;
    IF v_key IS NULL THEN
        outcome := 'no_desk';
        RETURN NEXT;
        RETURN;
    END IF;
    IF cardinality(p_step_codes) = 0 OR cardinality(p_student_nos) = 0 THEN
        RAISE EXCEPTION 'nothing selected' USING ERRCODE = 'LX400';
    END IF;
    -- the students' ids, and the numbers of none: those refuse the whole call
    SELECT array_agg(s.id) FILTER (WHERE s.id IS NOT NULL),
           array_agg(n.no ORDER BY n.ord) FILTER (WHERE s.id IS NULL)
      INTO ids, unknown
      FROM unnest(p_student_nos) WITH ORDINALITY AS n (no, ord)
      LEFT JOIN lx.student s ON s.student_no = n.no;
    IF unknown IS NOT NULL THEN
        RETURN QUERY SELECT v_key, u, NULL::text, NULL::text, NULL::text, 'unknown_student',
                            NULL::text, NULL::text
                       FROM unnest(unknown) AS u;
        RETURN;
    END IF;

    BEGIN
        FOREACH v_code IN ARRAY p_step_codes LOOP
            SELECT st.id INTO v_step FROM lx.step st WHERE st.code = v_code;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'unknown step %', v_code USING ERRCODE = 'LX404';
            END IF;
            SELECT r_sid || array_agg(c.student_id ORDER BY c.student_id),
                   r_code || array_agg(v_code ORDER BY c.student_id),
                   r_outcome || array_agg(c.outcome ORDER BY c.student_id),
                   r_detail || array_agg(c.detail ORDER BY c.student_id),
                   refused OR coalesce(bool_or(c.outcome NOT IN ('ok', 'unchanged', 'replayed')),
                                       false)
              INTO r_sid, r_code, r_outcome, r_detail, refused
              FROM lx.change(p_action, v_step, ids, p_how, p_login, p_note, p_addr,
                             p_request_id || ':' || v_code, true) c;
        END LOOP;
        IF refused THEN
            RAISE EXCEPTION 'refused' USING ERRCODE = 'LX499';
        END IF;
    EXCEPTION WHEN SQLSTATE 'LX499' THEN
        NULL;       -- every write of the block is undone; the outcomes are reported below
    END;

    -- the names of the steps a detail names, looked up only where there is a detail
    RETURN QUERY
    SELECT v_key, s.student_no, s.name, x.step_code, st.name,
           CASE WHEN refused AND x.outcome IN ('ok', 'replayed') THEN 'held' ELSE x.outcome END,
           nullif(x.detail, ''),
           CASE WHEN x.detail <> '' THEN
               (SELECT string_agg(d.name, '、' ORDER BY array_position(string_to_array(x.detail,
                                                                                    ' '),
                                                                     d.code))
                  FROM lx.step d WHERE d.code = ANY (string_to_array(x.detail, ' '))) END
      FROM unnest(r_sid, r_code, r_outcome, r_detail) WITH ORDINALITY
           AS x (sid, step_code, outcome, detail, ord)
      JOIN lx.student s ON s.id = x.sid
      JOIN lx.step st ON st.code = x.step_code
     ORDER BY x.ord;
END;
$$;
