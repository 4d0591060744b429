-- admin.sql: the administrator's changes to operators, points, steps and cohorts, each through a
-- SECURITY DEFINER function that checks the caller (lx.require_admin) and logs itself
-- (lx.log_config), and the event log's search.

-- Whether the session is the IT office's (a superuser, or a member of lx_owner that is not the
-- module's role): what lx.require_admin lets through for the command line.
CREATE OR REPLACE FUNCTION lx.session_is_owner() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
           OR (pg_has_role(session_user, 'lx_owner', 'MEMBER')
               AND NOT pg_has_role(session_user, 'lx_app', 'MEMBER'))
$$;

-- An active administrator, or the IT office's session (the command line, lixiao-admin).
CREATE OR REPLACE FUNCTION lx.require_admin(p_login text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF session_user <> 'lx_app' AND lx.session_is_owner() THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM lx.operator
                    WHERE login = p_login AND active AND is_admin) THEN
        RAISE EXCEPTION '仅管理员可以修改系统配置' USING ERRCODE = 'LX403';
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION lx.log_config(p_login text, p_note text, p_addr inet, p_request_id text,
                              p_point integer DEFAULT NULL, p_step integer DEFAULT NULL)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO lx.event (kind, login, point_id, step_id, note, source_addr, request_id)
    VALUES ('config', p_login, p_point, p_step, p_note, p_addr, p_request_id)
$$;

-- Add or change an operator (login, name, flags).  Takes effect on their next request.
CREATE OR REPLACE FUNCTION lx.admin_operator_save(p_admin text, p_login text, p_name text,
                                       p_is_admin boolean, p_is_leader boolean,
                                       p_active boolean, p_addr inet DEFAULT NULL,
                                       p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
BEGIN
    PERFORM lx.require_admin(p_admin);
    IF p_login !~ '^[A-Za-z0-9_.@-]{1,64}$' THEN
        RAISE EXCEPTION '登录名只能由字母、数字和 _ . @ - 组成（不超过 64 个字符）'
            USING ERRCODE = 'LX400';
    END IF;
    IF coalesce(btrim(p_name), '') = '' OR length(p_name) > 60 THEN
        RAISE EXCEPTION '请填写姓名（不超过 60 字）' USING ERRCODE = 'LX400';
    END IF;
    IF p_login = p_admin AND NOT (p_is_admin AND p_active) THEN
        RAISE EXCEPTION '不能取消自己的管理员权限或停用自己' USING ERRCODE = 'LX409';
    END IF;
    INSERT INTO lx.operator (login, name, is_admin, is_leader, active)
    VALUES (p_login, btrim(p_name), p_is_admin, p_is_leader, p_active)
    ON CONFLICT (login) DO UPDATE
       SET name = EXCLUDED.name, is_admin = EXCLUDED.is_admin,
           is_leader = EXCLUDED.is_leader, active = EXCLUDED.active;
    PERFORM lx.log_config(p_admin, format('操作人员 %s（%s）：管理员=%s，校领导=%s，启用=%s',
                                         p_login, btrim(p_name), p_is_admin, p_is_leader,
                                         p_active), p_addr, p_request_id);
END;
$$;

-- Remove an operator.  Their past changes stay in the event log under their login.
CREATE OR REPLACE FUNCTION lx.admin_operator_delete(p_admin text, p_login text, p_addr inet DEFAULT NULL,
                                         p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
BEGIN
    PERFORM lx.require_admin(p_admin);
    IF p_login = p_admin THEN
        RAISE EXCEPTION '不能删除自己的账号' USING ERRCODE = 'LX409';
    END IF;
    DELETE FROM lx.operator WHERE login = p_login;
    IF NOT FOUND THEN
        RAISE EXCEPTION '没有这个操作人员：%', p_login USING ERRCODE = 'LX404';
    END IF;
    PERFORM lx.log_config(p_admin, format('删除操作人员 %s', p_login), p_addr, p_request_id);
END;
$$;

-- Give (p_on) or take away a point, with the college for a college-scoped point.
CREATE OR REPLACE FUNCTION lx.admin_assign(p_admin text, p_login text, p_point_code text,
                                p_college_code text, p_on boolean, p_addr inet DEFAULT NULL,
                                p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    pt lx.point;
    v_college integer;
BEGIN
    PERFORM lx.require_admin(p_admin);
    SELECT * INTO pt FROM lx.point WHERE code = p_point_code;
    IF NOT FOUND THEN
        RAISE EXCEPTION '没有这个离校点：%', p_point_code USING ERRCODE = 'LX404';
    END IF;
    IF pt.scope = 'college' THEN
        SELECT id INTO v_college FROM lx.college WHERE code = p_college_code;
        IF v_college IS NULL THEN
            RAISE EXCEPTION '学院离校点须选择学院' USING ERRCODE = 'LX400';
        END IF;
        IF p_on AND (SELECT retired FROM lx.college WHERE id = v_college) THEN
            RAISE EXCEPTION '该学院已停用，不能再分配' USING ERRCODE = 'LX409';
        END IF;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM lx.operator WHERE login = p_login) THEN
        RAISE EXCEPTION '没有这个操作人员：%', p_login USING ERRCODE = 'LX404';
    END IF;
    IF p_on THEN
        INSERT INTO lx.operator_point (login, point_id, college_id)
        VALUES (p_login, pt.id, v_college) ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM lx.operator_point
         WHERE login = p_login AND point_id = pt.id
           AND college_id IS NOT DISTINCT FROM v_college;
    END IF;
    PERFORM lx.log_config(p_admin, format('%s %s 的离校点：%s%s',
                                         CASE WHEN p_on THEN '增加' ELSE '取消' END, p_login,
                                         pt.name, coalesce('（学院 ' || p_college_code || '）',
                                                           '')),
                          p_addr, p_request_id, pt.id);
END;
$$;

CREATE OR REPLACE FUNCTION lx.admin_point_save(p_admin text, p_code text, p_name text, p_location text,
                                    p_addr inet DEFAULT NULL, p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    v_id integer;
BEGIN
    PERFORM lx.require_admin(p_admin);
    IF coalesce(btrim(p_name), '') = '' OR length(p_name) > 60 OR length(p_location) > 200 THEN
        RAISE EXCEPTION '请填写离校点名称（不超过 60 字），地点不超过 200 字'
            USING ERRCODE = 'LX400';
    END IF;
    UPDATE lx.point SET name = btrim(p_name), location = btrim(coalesce(p_location, ''))
     WHERE code = p_code RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION '没有这个离校点：%', p_code USING ERRCODE = 'LX404';
    END IF;
    PERFORM lx.log_config(p_admin, format('离校点 %s：名称「%s」，地点「%s」', p_code,
                                         btrim(p_name), p_location), p_addr, p_request_id, v_id);
END;
$$;

-- Names, hint, confirmation modes and applicability rule of a step.  A changed rule is applied
-- at once to the open cohorts' states (through lx.sync_steps, which logs each change).
CREATE OR REPLACE FUNCTION lx.admin_step_save(p_admin text, p_code text, p_name text, p_hint text,
                                   p_modes text[], p_applies_when text[],
                                   p_applies_unless text[], p_addr inet DEFAULT NULL,
                                   p_request_id text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    st lx.step;
    n integer := 0;
    bad text;
BEGIN
    PERFORM lx.require_admin(p_admin);
    SELECT * INTO st FROM lx.step WHERE code = p_code FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '没有这项离校业务：%', p_code USING ERRCODE = 'LX404';
    END IF;
    IF coalesce(btrim(p_name), '') = '' OR length(p_name) > 60 OR length(p_hint) > 200 THEN
        RAISE EXCEPTION '请填写业务名称（不超过 60 字），说明不超过 200 字'
            USING ERRCODE = 'LX400';
    END IF;
    IF NOT (p_modes <@ ARRAY['individual', 'class', 'dorm', 'scope']) THEN
        RAISE EXCEPTION '办理方式只能是个人、按班级、按寝室、统一批量' USING ERRCODE = 'LX400';
    END IF;
    IF st.automatic IS NOT NULL AND cardinality(p_modes) > 0 THEN
        RAISE EXCEPTION '自动办理的业务不能设置人工办理方式' USING ERRCODE = 'LX409';
    END IF;
    IF st.automatic IS NULL AND cardinality(p_modes) = 0 THEN
        RAISE EXCEPTION '请至少选择一种办理方式' USING ERRCODE = 'LX400';
    END IF;
    SELECT f INTO bad FROM unnest(p_applies_when || p_applies_unless) f
     WHERE NOT EXISTS (SELECT 1 FROM lx.fact WHERE code = f) LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION '未知的适用条件：%', bad USING ERRCODE = 'LX400';
    END IF;
    IF p_applies_when && p_applies_unless THEN
        RAISE EXCEPTION '同一条件不能既是“适用于”又是“不适用于”' USING ERRCODE = 'LX409';
    END IF;
    UPDATE lx.step SET name = btrim(p_name), hint = btrim(coalesce(p_hint, '')),
                       modes = p_modes, applies_when = p_applies_when,
                       applies_unless = p_applies_unless
     WHERE id = st.id;
    PERFORM lx.log_config(p_admin, format('离校业务 %s：名称「%s」，办理方式 %s，适用于 %s，不适用于 %s',
                                         p_code, btrim(p_name), p_modes, p_applies_when,
                                         p_applies_unless), p_addr, p_request_id,
                          st.point_id, st.id);
    IF st.applies_when IS DISTINCT FROM p_applies_when
       OR st.applies_unless IS DISTINCT FROM p_applies_unless THEN
        n := lx.sync_steps(ARRAY(SELECT s.id FROM lx.student s
                                   JOIN lx.cohort c ON c.id = s.cohort_id AND NOT c.closed
                                   JOIN lx.cohort_step cs ON cs.cohort_id = c.id
                                                          AND cs.step_id = st.id),
                           p_admin, p_addr, p_request_id);
    END IF;
    RETURN n;
END;
$$;

-- Add (p_on) or remove an explicit prerequisite.  A cycle is refused: no student could ever
-- finish the steps on it.
CREATE OR REPLACE FUNCTION lx.admin_prereq(p_admin text, p_step_code text, p_requires_code text,
                                p_on boolean, p_addr inet DEFAULT NULL,
                                p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    a lx.step;
    b lx.step;
BEGIN
    PERFORM lx.require_admin(p_admin);
    -- one change of the prerequisite graph at a time, so two additions cannot close a cycle
    LOCK TABLE lx.step_prereq IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO a FROM lx.step WHERE code = p_step_code;
    SELECT * INTO b FROM lx.step WHERE code = p_requires_code;
    IF a.id IS NULL OR b.id IS NULL THEN
        RAISE EXCEPTION '没有这项离校业务' USING ERRCODE = 'LX404';
    END IF;
    IF p_on THEN
        IF a.id = b.id OR lx.step_requires(b.id, a.id) THEN
            RAISE EXCEPTION '不能设置：「%」已经（直接或间接）以「%」为前置业务，会形成循环，任何学生都无法办完',
                b.name, a.name USING ERRCODE = 'LX409';
        END IF;
        INSERT INTO lx.step_prereq (step_id, requires_id) VALUES (a.id, b.id)
        ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM lx.step_prereq WHERE step_id = a.id AND requires_id = b.id;
    END IF;
    PERFORM lx.log_config(p_admin, format('%s前置业务：「%s」需先完成「%s」',
                                         CASE WHEN p_on THEN '增加' ELSE '取消' END,
                                         a.name, b.name), p_addr, p_request_id, a.point_id,
                          a.id);
END;
$$;

-- Enable (p_on) or disable a step for a cohort.  Enabling creates the states of the cohort's
-- students; disabling is refused once anyone has done the step (their record would be lost),
-- and otherwise removes the pending states.
CREATE OR REPLACE FUNCTION lx.admin_cohort_step(p_admin text, p_cohort integer, p_step_code text,
                                     p_on boolean, p_addr inet DEFAULT NULL,
                                     p_request_id text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    st lx.step;
    ch lx.cohort;
    n integer := 0;
BEGIN
    PERFORM lx.require_admin(p_admin);
    SELECT * INTO st FROM lx.step WHERE code = p_step_code;
    SELECT * INTO ch FROM lx.cohort WHERE id = p_cohort FOR UPDATE;
    IF st.id IS NULL OR ch.id IS NULL THEN
        RAISE EXCEPTION '没有这项业务或这一届' USING ERRCODE = 'LX404';
    END IF;
    IF ch.closed THEN
        RAISE EXCEPTION '%已归档，不能修改', ch.name USING ERRCODE = 'LX409';
    END IF;
    IF p_on THEN
        INSERT INTO lx.cohort_step (cohort_id, step_id) VALUES (ch.id, st.id)
        ON CONFLICT DO NOTHING;
        n := lx.sync_steps(ARRAY(SELECT id FROM lx.student WHERE cohort_id = ch.id), p_admin,
                           p_addr, p_request_id);
    ELSE
        SELECT count(*) INTO n FROM lx.step_state
         WHERE cohort_id = ch.id AND step_id = st.id AND state = 'done';
        IF n > 0 THEN
            RAISE EXCEPTION '%已有 % 名学生办理了「%」，停用会丢失他们的办理记录，不能停用',
                ch.name, n, st.name USING ERRCODE = 'LX409';
        END IF;
        DELETE FROM lx.step_state WHERE cohort_id = ch.id AND step_id = st.id;
        GET DIAGNOSTICS n = ROW_COUNT;
        DELETE FROM lx.cohort_step WHERE cohort_id = ch.id AND step_id = st.id;
    END IF;
    PERFORM lx.log_config(p_admin, format('%s：%s离校业务「%s」', ch.name,
                                         CASE WHEN p_on THEN '启用' ELSE '停用' END, st.name),
                          p_addr, p_request_id, st.point_id, st.id);
    RETURN n;
END;
$$;

CREATE OR REPLACE FUNCTION lx.admin_cohort_certificate(p_admin text, p_cohort integer, p_certificate text,
                                            p_on boolean, p_addr inet DEFAULT NULL,
                                            p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    ch lx.cohort;
    ce lx.certificate;
BEGIN
    PERFORM lx.require_admin(p_admin);
    SELECT * INTO ch FROM lx.cohort WHERE id = p_cohort;
    SELECT * INTO ce FROM lx.certificate WHERE code = p_certificate;
    IF ch.id IS NULL OR ce.code IS NULL THEN
        RAISE EXCEPTION '没有这一届或这种证件' USING ERRCODE = 'LX404';
    END IF;
    IF ch.closed THEN
        RAISE EXCEPTION '%已归档，不能修改', ch.name USING ERRCODE = 'LX409';
    END IF;
    IF p_on THEN
        INSERT INTO lx.cohort_certificate VALUES (ch.id, ce.code) ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM lx.cohort_certificate WHERE cohort_id = ch.id AND certificate = ce.code;
    END IF;
    PERFORM lx.log_config(p_admin, format('%s：%s发放「%s」', ch.name,
                                         CASE WHEN p_on THEN '' ELSE '不再' END, ce.name),
                          p_addr, p_request_id);
END;
$$;

-- Close a cohort at the end of the season: read-only from then on (lx.change refuses).
CREATE OR REPLACE FUNCTION lx.admin_cohort_close(p_admin text, p_cohort integer, p_addr inet DEFAULT NULL,
                                      p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    ch lx.cohort;
BEGIN
    PERFORM lx.require_admin(p_admin);
    UPDATE lx.cohort SET closed = true WHERE id = p_cohort AND NOT closed RETURNING * INTO ch;
    IF ch.id IS NULL THEN
        RAISE EXCEPTION '没有这一届，或已归档' USING ERRCODE = 'LX409';
    END IF;
    PERFORM lx.log_config(p_admin, format('%s归档（只读）', ch.name), p_addr, p_request_id);
END;
$$;

-- Next year's cohort of the same programme, with the same steps and certificates, in one
-- action.  Returns its id.
CREATE OR REPLACE FUNCTION lx.admin_cohort_next(p_admin text, p_cohort integer, p_addr inet DEFAULT NULL,
                                     p_request_id text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    ch lx.cohort;
    v_new integer;
    v_name text;
BEGIN
    PERFORM lx.require_admin(p_admin);
    SELECT * INTO ch FROM lx.cohort WHERE id = p_cohort;
    IF ch.id IS NULL THEN
        RAISE EXCEPTION '没有这一届' USING ERRCODE = 'LX404';
    END IF;
    IF EXISTS (SELECT 1 FROM lx.cohort WHERE year = ch.year + 1 AND programme = ch.programme)
    THEN
        RAISE EXCEPTION '%届%已经存在', ch.year + 1,
            (SELECT name FROM lx.programme WHERE code = ch.programme) USING ERRCODE = 'LX409';
    END IF;
    v_name := (ch.year + 1) || '届' || (SELECT name FROM lx.programme WHERE code = ch.programme);
    INSERT INTO lx.cohort (year, programme, name) VALUES (ch.year + 1, ch.programme, v_name)
    RETURNING id INTO v_new;
    INSERT INTO lx.cohort_step (cohort_id, step_id)
    SELECT v_new, step_id FROM lx.cohort_step WHERE cohort_id = ch.id;
    INSERT INTO lx.cohort_certificate (cohort_id, certificate)
    SELECT v_new, certificate FROM lx.cohort_certificate WHERE cohort_id = ch.id;
    PERFORM lx.log_config(p_admin, format('由%s建立%s（沿用离校业务与证件设置）', ch.name,
                                         v_name), p_addr, p_request_id);
    RETURN v_new;
END;
$$;

CREATE OR REPLACE FUNCTION lx.event_search(p_student_no text, p_login text, p_point_code text,
                                p_step_code text, p_from timestamptz, p_to timestamptz,
                                p_limit integer DEFAULT 200)
RETURNS TABLE (id bigint, at text, kind text, login text, login_name text, student_no text,
               student_name text, point_name text, step_name text, how text, old_state text,
               new_state text, note text, source_addr text, request_id text)
LANGUAGE sql STABLE AS $$
    SELECT e.id, to_char(e.at, 'YYYY-MM-DD HH24:MI:SS'), e.kind, e.login, o.name,
           s.student_no, s.name, p.name, st.name, e.how, e.old_state, e.new_state, e.note,
           host(e.source_addr), e.request_id
      FROM lx.event e
      LEFT JOIN lx.student s ON s.id = e.student_id
      LEFT JOIN lx.point p ON p.id = e.point_id
      LEFT JOIN lx.step st ON st.id = e.step_id
      LEFT JOIN lx.operator o ON o.login = e.login
     WHERE (p_student_no IS NULL OR e.student_id = (SELECT id FROM lx.student
                                                     WHERE student_no = p_student_no))
       AND (p_login IS NULL OR e.login = p_login)
       AND (p_point_code IS NULL OR e.point_id = (SELECT id FROM lx.point
                                                   WHERE code = p_point_code))
       AND (p_step_code IS NULL OR e.step_id = (SELECT id FROM lx.step WHERE code = p_step_code))
       AND (p_from IS NULL OR e.at >= p_from)
       AND (p_to IS NULL OR e.at < p_to)
     ORDER BY e.at DESC, e.id DESC
     LIMIT least(greatest(p_limit, 1), 1000)
$$;
