-- setup.sql: setting up an installation without SQL: institutions (with the national loan fact
-- and step each brings), colleges, classes and cohorts, created, renamed and retired by an
-- administrator (/lx/admin, lixiao-admin), and the first administrator (lx.admin_bootstrap, run
-- by the IT office as a member of lx_owner).  Each function checks the caller
-- (lx.require_admin), refuses only what would break consistency, with the reason in Chinese,
-- and logs itself (lx.log_config).

-- The names of an institution's loan fact and step, as the seed wrote them.
CREATE OR REPLACE FUNCTION lx.loan_fact_name(p_name text, p_code text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT '国家助学贷款（' || p_name || ' ' || p_code || '）' $$;

CREATE OR REPLACE FUNCTION lx.loan_step_name(p_name text, p_code text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT '国家助学贷款还款确认（' || p_name || ' ' || p_code || '）' $$;

-- A required one-line field, trimmed; refused (LX400) when empty, too long or multi-line.
CREATE OR REPLACE FUNCTION lx.require_line(p_value text, p_what text, p_max integer)
RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF coalesce(btrim(p_value), '') = '' OR length(btrim(p_value)) > p_max
       OR p_value ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION '请填写%（一行，不超过 % 字）', p_what, p_max USING ERRCODE = 'LX400';
    END IF;
    RETURN btrim(p_value);
END;
$$;

-- How many students of open cohorts a condition on lx.student counts (the reason of a refusal).
CREATE OR REPLACE FUNCTION lx.open_students(p_college integer, p_class integer) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT count(*)::integer FROM lx.student s JOIN lx.cohort ch ON ch.id = s.cohort_id
     WHERE NOT ch.closed
       AND (p_college IS NULL OR s.college_id = p_college)
       AND (p_class IS NULL OR s.class_id = p_class)
$$;

-- A new step enabled in every open cohort whose programme its point serves, with the states of
-- their students (lx.sync_steps, which logs each change).
CREATE OR REPLACE FUNCTION lx.step_in_open_cohorts(p_step integer, p_admin text, p_addr inet,
                                                   p_request_id text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_cohorts integer[];
BEGIN
    WITH added AS (
        INSERT INTO lx.cohort_step (cohort_id, step_id)
        SELECT ch.id, st.id
          FROM lx.cohort ch
          JOIN lx.step st ON st.id = p_step
          JOIN lx.point_programme pp ON pp.point_id = st.point_id AND pp.programme = ch.programme
         WHERE NOT ch.closed
        ON CONFLICT DO NOTHING
        RETURNING cohort_id
    )
    SELECT array_agg(cohort_id) INTO v_cohorts FROM added;
    IF v_cohorts IS NOT NULL THEN
        PERFORM lx.sync_steps(ARRAY(SELECT id FROM lx.student WHERE cohort_id = ANY (v_cohorts)),
                              p_admin, p_addr, p_request_id);
    END IF;
END;
$$;

-- ---- institutions ----

-- Create (a new code) or rename an institution (学校, with its national code).  A new one brings
-- its national loan: the fact national_loan_<code> and the college point's step that confirms
-- the repayment, enabled in the open cohorts.  A rename renames them too, unless an
-- administrator gave the step a name of their own.  Returns the institution's id.
CREATE OR REPLACE FUNCTION lx.admin_institution_save(p_admin text, p_code text, p_name text,
                                                     p_addr inet DEFAULT NULL,
                                                     p_request_id text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    v_code text := btrim(coalesce(p_code, ''));
    v_name text;
    old lx.institution;
    v_id integer;
    v_step integer;
BEGIN
    PERFORM lx.require_admin(p_admin);
    IF v_code !~ '^[0-9]{5}$' THEN
        RAISE EXCEPTION '学校代码应为 5 位数字（国家标识码的后五位，如 10534）'
            USING ERRCODE = 'LX400';
    END IF;
    v_name := lx.require_line(p_name, '学校名称', 60);
    IF EXISTS (SELECT 1 FROM lx.institution WHERE name = v_name AND code <> v_code) THEN
        RAISE EXCEPTION '已有名为“%”的学校', v_name USING ERRCODE = 'LX409';
    END IF;
    SELECT * INTO old FROM lx.institution WHERE code = v_code FOR UPDATE;
    IF old.id IS NOT NULL THEN
        UPDATE lx.institution SET name = v_name WHERE id = old.id;
        UPDATE lx.fact SET name = lx.loan_fact_name(v_name, v_code) WHERE institution_id = old.id;
        UPDATE lx.step SET name = lx.loan_step_name(v_name, v_code)
         WHERE institution_id = old.id AND name = lx.loan_step_name(old.name, v_code);
        PERFORM lx.log_config(p_admin, format('学校 %s：名称「%s」改为「%s」', v_code, old.name,
                                             v_name), p_addr, p_request_id);
        RETURN old.id;
    END IF;

    INSERT INTO lx.institution (code, name) VALUES (v_code, v_name) RETURNING id INTO v_id;
    INSERT INTO lx.fact (code, name, institution_id)
    VALUES ('national_loan_' || v_code, lx.loan_fact_name(v_name, v_code), v_id);
    INSERT INTO lx.step (point_id, code, name, hint, sort, applies_when, modes, institution_id)
    SELECT p.id, 'national_loan_' || v_code, lx.loan_step_name(v_name, v_code),
           '先在国家开发银行系统中确认还款，再到学院确认',
           40 + (SELECT count(*) FROM lx.step WHERE institution_id IS NOT NULL),
           ARRAY['national_loan_' || v_code], '{individual}', v_id
      FROM lx.point p WHERE p.code = 'college'
    RETURNING id INTO v_step;
    PERFORM lx.log_config(p_admin, format('新建学校 %s %s（含国家助学贷款还款确认）', v_code,
                                         v_name), p_addr, p_request_id, NULL, v_step);
    IF v_step IS NOT NULL THEN
        PERFORM lx.step_in_open_cohorts(v_step, p_admin, p_addr, p_request_id);
    END IF;
    RETURN v_id;
END;
$$;

-- Retire (p_retired) or restore an institution.  Refused while a college of it is in use or a
-- student of an open cohort holds a national loan at it.
CREATE OR REPLACE FUNCTION lx.admin_institution_retire(p_admin text, p_code text,
                                                       p_retired boolean,
                                                       p_addr inet DEFAULT NULL,
                                                       p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    i lx.institution;
    n integer;
BEGIN
    PERFORM lx.require_admin(p_admin);
    SELECT * INTO i FROM lx.institution WHERE code = btrim(coalesce(p_code, '')) FOR UPDATE;
    IF i.id IS NULL THEN
        RAISE EXCEPTION '没有这个学校：%', p_code USING ERRCODE = 'LX404';
    END IF;
    IF p_retired THEN
        SELECT count(*) INTO n FROM lx.college WHERE institution_id = i.id AND NOT retired;
        IF n > 0 THEN
            RAISE EXCEPTION '%还有 % 个在用的学院，请先停用这些学院', i.name, n
                USING ERRCODE = 'LX409';
        END IF;
        SELECT count(*) INTO n FROM lx.student_loan l JOIN lx.student s ON s.id = l.student_id
          JOIN lx.cohort ch ON ch.id = s.cohort_id
         WHERE l.institution_id = i.id AND NOT ch.closed;
        IF n > 0 THEN
            RAISE EXCEPTION '未归档届别中还有 % 名学生持有%的国家助学贷款，不能停用', n, i.name
                USING ERRCODE = 'LX409';
        END IF;
    END IF;
    UPDATE lx.institution SET retired = p_retired WHERE id = i.id;
    PERFORM lx.log_config(p_admin, format('%s学校 %s %s', CASE WHEN p_retired THEN '停用'
                                                              ELSE '恢复' END, i.code, i.name),
                          p_addr, p_request_id);
END;
$$;

-- ---- colleges ----

-- Create or change a college (学院) of an institution, with the offices students are sent to.
CREATE OR REPLACE FUNCTION lx.admin_college_save(p_admin text, p_code text, p_name text,
                                                 p_institution_code text, p_office text,
                                                 p_cert_office text, p_addr inet DEFAULT NULL,
                                                 p_request_id text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    v_code text := btrim(coalesce(p_code, ''));
    v_name text;
    i lx.institution;
    v_id integer;
    v_fresh boolean;
BEGIN
    PERFORM lx.require_admin(p_admin);
    IF v_code !~ '^[0-9A-Za-z]{1,10}$' THEN
        RAISE EXCEPTION '学院代码只能由字母和数字组成（不超过 10 个字符）' USING ERRCODE = 'LX400';
    END IF;
    v_name := lx.require_line(p_name, '学院名称', 60);
    IF length(coalesce(p_office, '')) > 200 OR length(coalesce(p_cert_office, '')) > 200 THEN
        RAISE EXCEPTION '办公地点不超过 200 字' USING ERRCODE = 'LX400';
    END IF;
    SELECT * INTO i FROM lx.institution WHERE code = btrim(coalesce(p_institution_code, ''));
    IF i.id IS NULL THEN
        RAISE EXCEPTION '请选择学院所属的学校' USING ERRCODE = 'LX400';
    END IF;
    IF i.retired THEN
        RAISE EXCEPTION '%已停用，不能再设学院', i.name USING ERRCODE = 'LX409';
    END IF;
    IF EXISTS (SELECT 1 FROM lx.college WHERE name = v_name AND code <> v_code) THEN
        RAISE EXCEPTION '已有名为“%”的学院', v_name USING ERRCODE = 'LX409';
    END IF;
    INSERT INTO lx.college (code, name, institution_id, office, cert_office)
    VALUES (v_code, v_name, i.id, btrim(coalesce(p_office, '')), btrim(coalesce(p_cert_office, '')))
    ON CONFLICT (code) DO UPDATE
       SET name = EXCLUDED.name, institution_id = EXCLUDED.institution_id,
           office = EXCLUDED.office, cert_office = EXCLUDED.cert_office
    RETURNING id, (xmax = 0) INTO v_id, v_fresh;
    PERFORM lx.log_config(p_admin, format('%s学院 %s %s（%s）', CASE WHEN v_fresh THEN '新建'
                                                                   ELSE '修改' END,
                                         v_code, v_name, i.name), p_addr, p_request_id);
    RETURN v_id;
END;
$$;

-- Retire or restore a college.  Refused while students of an open cohort belong to it.
CREATE OR REPLACE FUNCTION lx.admin_college_retire(p_admin text, p_code text, p_retired boolean,
                                                   p_addr inet DEFAULT NULL,
                                                   p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    c lx.college;
    n integer;
BEGIN
    PERFORM lx.require_admin(p_admin);
    SELECT * INTO c FROM lx.college WHERE code = btrim(coalesce(p_code, '')) FOR UPDATE;
    IF c.id IS NULL THEN
        RAISE EXCEPTION '没有这个学院：%', p_code USING ERRCODE = 'LX404';
    END IF;
    IF p_retired THEN
        n := lx.open_students(c.id, NULL);
        IF n > 0 THEN
            RAISE EXCEPTION '%在未归档的届别中还有 % 名学生，归档这些届别后才能停用', c.name, n
                USING ERRCODE = 'LX409';
        END IF;
    ELSIF (SELECT retired FROM lx.institution WHERE id = c.institution_id) THEN
        RAISE EXCEPTION '所属学校已停用，请先恢复学校' USING ERRCODE = 'LX409';
    END IF;
    UPDATE lx.college SET retired = p_retired WHERE id = c.id;
    PERFORM lx.log_config(p_admin, format('%s学院 %s %s', CASE WHEN p_retired THEN '停用'
                                                              ELSE '恢复' END, c.code, c.name),
                          p_addr, p_request_id);
END;
$$;

-- ---- classes ----

-- Create or change a class (班级) of a college in an open cohort.  The roster import creates
-- classes too; this is for renaming them and for a class before its students arrive.  Moving a
-- class that has students to another college or cohort is refused: its students would not move.
CREATE OR REPLACE FUNCTION lx.admin_class_save(p_admin text, p_code text, p_name text,
                                               p_college_code text, p_cohort integer,
                                               p_addr inet DEFAULT NULL,
                                               p_request_id text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    v_code text := btrim(coalesce(p_code, ''));
    v_name text;
    c lx.college;
    ch lx.cohort;
    old lx.class;
    v_id integer;
    n integer;
BEGIN
    PERFORM lx.require_admin(p_admin);
    IF v_code !~ '^[0-9A-Za-z-]{1,20}$' THEN
        RAISE EXCEPTION '班级代码只能由字母、数字和 - 组成（不超过 20 个字符）'
            USING ERRCODE = 'LX400';
    END IF;
    v_name := lx.require_line(p_name, '班级名称', 60);
    SELECT * INTO c FROM lx.college WHERE code = btrim(coalesce(p_college_code, ''));
    SELECT * INTO ch FROM lx.cohort WHERE id = p_cohort;
    IF c.id IS NULL OR ch.id IS NULL THEN
        RAISE EXCEPTION '请选择班级所属的学院和届别' USING ERRCODE = 'LX400';
    END IF;
    IF c.retired THEN
        RAISE EXCEPTION '%已停用，不能再设班级', c.name USING ERRCODE = 'LX409';
    END IF;
    IF ch.closed THEN
        RAISE EXCEPTION '%已归档，不能修改', ch.name USING ERRCODE = 'LX409';
    END IF;
    SELECT * INTO old FROM lx.class WHERE code = v_code FOR UPDATE;
    IF old.id IS NOT NULL THEN
        IF (old.college_id, old.cohort_id) <> (c.id, ch.id) THEN
            SELECT count(*) INTO n FROM lx.student WHERE class_id = old.id;
            IF n > 0 THEN
                RAISE EXCEPTION '班级 % 已有 % 名学生，不能改到其他学院或届别', v_code, n
                    USING ERRCODE = 'LX409';
            END IF;
            IF (SELECT closed FROM lx.cohort WHERE id = old.cohort_id) THEN
                RAISE EXCEPTION '班级 % 属于已归档的届别，不能修改', v_code USING ERRCODE = 'LX409';
            END IF;
        END IF;
        UPDATE lx.class SET name = v_name, college_id = c.id, cohort_id = ch.id
         WHERE id = old.id;
        v_id := old.id;
    ELSE
        INSERT INTO lx.class (code, name, college_id, cohort_id)
        VALUES (v_code, v_name, c.id, ch.id) RETURNING id INTO v_id;
    END IF;
    PERFORM lx.log_config(p_admin, format('%s班级 %s %s（%s，%s）',
                                         CASE WHEN old.id IS NULL THEN '新建' ELSE '修改' END,
                                         v_code, v_name, c.name, ch.name), p_addr, p_request_id);
    RETURN v_id;
END;
$$;

-- Retire or restore a class.  Refused while it has students in an open cohort.
CREATE OR REPLACE FUNCTION lx.admin_class_retire(p_admin text, p_code text, p_retired boolean,
                                                 p_addr inet DEFAULT NULL,
                                                 p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    cl lx.class;
    n integer;
BEGIN
    PERFORM lx.require_admin(p_admin);
    SELECT * INTO cl FROM lx.class WHERE code = btrim(coalesce(p_code, '')) FOR UPDATE;
    IF cl.id IS NULL THEN
        RAISE EXCEPTION '没有这个班级：%', p_code USING ERRCODE = 'LX404';
    END IF;
    IF p_retired THEN
        n := lx.open_students(NULL, cl.id);
        IF n > 0 THEN
            RAISE EXCEPTION '班级 % 还有 % 名学生，不能停用', cl.code, n USING ERRCODE = 'LX409';
        END IF;
    END IF;
    UPDATE lx.class SET retired = p_retired WHERE id = cl.id;
    PERFORM lx.log_config(p_admin, format('%s班级 %s %s', CASE WHEN p_retired THEN '停用'
                                                              ELSE '恢复' END, cl.code, cl.name),
                          p_addr, p_request_id);
END;
$$;

-- ---- cohorts ----

-- A cohort (届别) from nothing: programme, year and name, with the steps of every point that
-- serves the programme and the certificates, as far as they are on by default (lx.step and
-- lx.certificate default_on: not the refund step, not 报到证).  The administrator then turns
-- steps and certificates on or off in the cohort's table.  Returns its id.
CREATE OR REPLACE FUNCTION lx.admin_cohort_create(p_admin text, p_programme text, p_year integer,
                                                  p_name text, p_addr inet DEFAULT NULL,
                                                  p_request_id text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    pr lx.programme;
    v_name text;
    v_id integer;
BEGIN
    PERFORM lx.require_admin(p_admin);
    SELECT * INTO pr FROM lx.programme WHERE code = p_programme;
    IF pr.code IS NULL THEN
        RAISE EXCEPTION '请选择培养层次' USING ERRCODE = 'LX400';
    END IF;
    IF p_year IS NULL OR p_year NOT BETWEEN 1950 AND 2200 THEN
        RAISE EXCEPTION '届别年份应为四位数字（如 2027）' USING ERRCODE = 'LX400';
    END IF;
    v_name := CASE WHEN coalesce(btrim(p_name), '') = '' THEN p_year || '届' || pr.name
                   ELSE lx.require_line(p_name, '届别名称', 40) END;
    IF EXISTS (SELECT 1 FROM lx.cohort WHERE year = p_year AND programme = pr.code) THEN
        RAISE EXCEPTION '%届%已经存在', p_year, pr.name USING ERRCODE = 'LX409';
    END IF;
    INSERT INTO lx.cohort (year, programme, name) VALUES (p_year, pr.code, v_name)
    RETURNING id INTO v_id;
    INSERT INTO lx.cohort_step (cohort_id, step_id)
    SELECT v_id, st.id FROM lx.step st
      JOIN lx.point_programme pp ON pp.point_id = st.point_id AND pp.programme = pr.code
      LEFT JOIN lx.institution i ON i.id = st.institution_id
     WHERE st.default_on AND NOT coalesce(i.retired, false)
     ORDER BY st.id;
    INSERT INTO lx.cohort_certificate (cohort_id, certificate)
    SELECT v_id, ce.code FROM lx.certificate ce
     WHERE ce.default_on
       AND EXISTS (SELECT 1 FROM lx.cohort_step cs WHERE cs.cohort_id = v_id
                                                     AND cs.step_id = ce.step_id)
     ORDER BY ce.code;
    PERFORM lx.log_config(p_admin, format('新建%s（默认离校业务与证件）', v_name), p_addr,
                          p_request_id);
    RETURN v_id;
END;
$$;

CREATE OR REPLACE FUNCTION lx.admin_cohort_rename(p_admin text, p_cohort integer, p_name text,
                                                  p_addr inet DEFAULT NULL,
                                                  p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    ch lx.cohort;
    v_name text;
BEGIN
    PERFORM lx.require_admin(p_admin);
    v_name := lx.require_line(p_name, '届别名称', 40);
    SELECT * INTO ch FROM lx.cohort WHERE id = p_cohort FOR UPDATE;
    IF ch.id IS NULL THEN
        RAISE EXCEPTION '没有这一届' USING ERRCODE = 'LX404';
    END IF;
    UPDATE lx.cohort SET name = v_name WHERE id = ch.id;
    PERFORM lx.log_config(p_admin, format('%s改名为%s', ch.name, v_name), p_addr, p_request_id);
END;
$$;

-- ---- the first administrator ----

-- The IT office's way in to an empty installation: an administrator (or an existing operator
-- made one, and active), from the command line as a member of lx_owner.  The module's role
-- may not call it (grants.sql).
CREATE OR REPLACE FUNCTION lx.admin_bootstrap(p_login text, p_name text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
BEGIN
    IF NOT lx.session_is_owner() THEN
        RAISE EXCEPTION '只有数据库的 lx_owner 成员（信息化部门）可以设立管理员'
            USING ERRCODE = 'LX403';
    END IF;
    IF coalesce(p_login, '') !~ '^[A-Za-z0-9_.@-]{1,64}$' THEN
        RAISE EXCEPTION '登录名只能由字母、数字和 _ . @ - 组成（不超过 64 个字符）'
            USING ERRCODE = 'LX400';
    END IF;
    INSERT INTO lx.operator (login, name, is_admin, active)
    VALUES (p_login, lx.require_line(p_name, '姓名', 60), true, true)
    ON CONFLICT (login) DO UPDATE SET name = EXCLUDED.name, is_admin = true, active = true;
    PERFORM lx.log_config(session_user::text,
                          format('数据库角色 %s 设立管理员 %s（%s）', session_user, p_login,
                                 btrim(p_name)), NULL, NULL);
END;
$$;
