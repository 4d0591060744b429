-- deferral.sql: the deferral point (缓交办理点): who is a deferral officer, lifting a gate
-- (lx.set_override), and the deferral page's status and list.

-- Whether p_login works the deferral point (or is an administrator).
CREATE OR REPLACE FUNCTION lx.is_deferral_officer(p_login text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM lx.operator o
                    WHERE o.login = p_login AND o.active
                      AND (o.is_admin
                           OR EXISTS (SELECT 1 FROM lx.operator_point op
                                        JOIN lx.point p ON p.id = op.point_id AND p.deferral
                                       WHERE op.login = o.login)))
$$;

-- Close (p_on) or open again the gate of a deferral_gate step for one student.  Outcomes:
--   ok | unchanged | forbidden | unknown_student | cohort_closed | not_enabled |
--   not_applicable | step_done (the step is done: there is no gate to change) |
--   dependents_done (opening again while a certificate step that went through the lifted gate
--   is done: refused, as revoking a step a done step depends on is; the certificate step must
--   be revoked first) | replayed (the form was carried out before)
-- A closing needs a note: the evidence (the deferral certificate's number).
CREATE OR REPLACE FUNCTION lx.set_override(p_student_no text, p_step_code text, p_on boolean,
                                p_login text, p_note text, p_addr inet DEFAULT NULL,
                                p_request_id text DEFAULT NULL)
RETURNS TABLE (outcome text, detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    st lx.step;
    s lx.student;
    v_state text;
    v_closed boolean;
    v_deps text;
    v_has boolean;
BEGIN
    IF p_note IS NOT NULL AND length(p_note) > 500 THEN
        RAISE EXCEPTION '说明不能超过 500 字' USING ERRCODE = 'LX400';
    END IF;
    IF p_on AND coalesce(btrim(p_note), '') = '' THEN
        RAISE EXCEPTION '关闭限制须填写缓交证明编号等依据' USING ERRCODE = 'LX400';
    END IF;
    SELECT * INTO st FROM lx.step WHERE code = p_step_code AND deferral_gate;
    IF NOT FOUND THEN
        RAISE EXCEPTION '该业务不能办理缓交' USING ERRCODE = 'LX400';
    END IF;
    IF NOT lx.is_deferral_officer(p_login) THEN
        RETURN QUERY SELECT 'forbidden'::text, NULL::text;
        RETURN;
    END IF;
    IF p_request_id IS NOT NULL THEN
        INSERT INTO lx.submission (request_id, login) VALUES (p_request_id, p_login)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'replayed'::text, NULL::text;
            RETURN;
        END IF;
    END IF;
    SELECT * INTO s FROM lx.student WHERE student_no = p_student_no FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown_student'::text, NULL::text;
        RETURN;
    END IF;
    SELECT c.closed INTO v_closed FROM lx.cohort c WHERE c.id = s.cohort_id;
    SELECT ss.state INTO v_state FROM lx.step_state ss
     WHERE ss.student_id = s.id AND ss.step_id = st.id;
    v_has := EXISTS (SELECT 1 FROM lx.override o WHERE o.student_id = s.id AND o.step_id = st.id);

    IF v_closed THEN
        RETURN QUERY SELECT 'cohort_closed'::text, NULL::text;
    ELSIF v_state IS NULL THEN
        RETURN QUERY SELECT 'not_enabled'::text, NULL::text;
    ELSIF v_state = 'na' THEN
        RETURN QUERY SELECT 'not_applicable'::text, NULL::text;
    ELSIF v_state = 'done' THEN
        RETURN QUERY SELECT 'step_done'::text, NULL::text;
    ELSIF v_has = p_on THEN
        RETURN QUERY SELECT 'unchanged'::text, NULL::text;
    ELSE
        IF NOT p_on THEN
            -- the certificate steps that went through the lifted gate
            SELECT string_agg(d.code, ' ' ORDER BY d.sort, d.id) INTO v_deps
              FROM lx.step_state ds JOIN lx.step d ON d.id = ds.step_id
             WHERE ds.student_id = s.id AND ds.state = 'done' AND d.requires_gates
               AND st.gates;
            IF v_deps IS NOT NULL THEN
                RETURN QUERY SELECT 'dependents_done'::text, v_deps;
                RETURN;
            END IF;
            DELETE FROM lx.override o WHERE o.student_id = s.id AND o.step_id = st.id;
        ELSE
            INSERT INTO lx.override (student_id, step_id, by_login, note)
            VALUES (s.id, st.id, p_login, btrim(p_note));
        END IF;
        INSERT INTO lx.event (kind, login, student_id, point_id, step_id, how, old_state,
                              new_state, note, source_addr, request_id)
        VALUES (CASE WHEN p_on THEN 'override_on' ELSE 'override_off' END, p_login, s.id,
                (SELECT id FROM lx.point WHERE deferral LIMIT 1), st.id, 'individual',
                v_state, v_state, nullif(btrim(coalesce(p_note, '')), ''), p_addr,
                p_request_id);
        RETURN QUERY SELECT 'ok'::text, NULL::text;
    END IF;
END;
$$;

-- The deferral page: a student's gate (any student of an open or closed cohort).
CREATE OR REPLACE FUNCTION lx.deferral_status(p_student_no text)
RETURNS TABLE (student_no text, name text, college text, class text, cohort text,
               cohort_closed boolean, step_code text, step_name text, state text,
               arrears numeric, arrears_received_at text, gate_closed boolean,
               closed_by text, closed_by_name text, closed_at text, note text,
               certificates_done text)
LANGUAGE sql STABLE AS $$
    SELECT s.student_no, s.name, co.name, cl.name, ch.name, ch.closed, st.code, st.name,
           ss.state, s.arrears, to_char(s.arrears_received_at, 'YYYY-MM-DD HH24:MI'),
           o.student_id IS NOT NULL, o.by_login, op.name, to_char(o.at, 'YYYY-MM-DD HH24:MI'),
           o.note,
           (SELECT string_agg(d.name, '、' ORDER BY d.sort)
              FROM lx.step_state ds JOIN lx.step d ON d.id = ds.step_id
             WHERE ds.student_id = s.id AND ds.state = 'done' AND d.requires_gates)
      FROM lx.student s
      JOIN lx.college co ON co.id = s.college_id
      JOIN lx.class cl ON cl.id = s.class_id
      JOIN lx.cohort ch ON ch.id = s.cohort_id
      JOIN lx.step st ON st.deferral_gate
      JOIN lx.step_state ss ON ss.student_id = s.id AND ss.step_id = st.id
      LEFT JOIN lx.override o ON o.student_id = s.id AND o.step_id = st.id
      LEFT JOIN lx.operator op ON op.login = o.by_login
     WHERE s.student_no = p_student_no
$$;

-- Every student whose gate is closed, newest first.
CREATE OR REPLACE FUNCTION lx.deferral_list()
RETURNS TABLE (student_no text, name text, college text, class text, cohort text,
               step_name text, state text, arrears numeric, closed_by text,
               closed_by_name text, closed_at text, note text)
LANGUAGE sql STABLE AS $$
    SELECT s.student_no, s.name, co.name, cl.name, ch.name, st.name, ss.state, s.arrears,
           o.by_login, op.name, to_char(o.at, 'YYYY-MM-DD HH24:MI'), o.note
      FROM lx.override o
      JOIN lx.student s ON s.id = o.student_id
      JOIN lx.college co ON co.id = s.college_id
      JOIN lx.class cl ON cl.id = s.class_id
      JOIN lx.cohort ch ON ch.id = s.cohort_id
      JOIN lx.step st ON st.id = o.step_id
      LEFT JOIN lx.step_state ss ON ss.student_id = s.id AND ss.step_id = st.id
      LEFT JOIN lx.operator op ON op.login = o.by_login
     ORDER BY o.at DESC, s.student_no
$$;
