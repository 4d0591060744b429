-- roster.sql: the roster import: the staged lines checked as a whole (lx.roster_check, with the
-- cell checks of lx.roster_check_cells) and merged set-based (lx.roster_merge).

-- Yes/no as spreadsheets write it; NULL when it is neither.
CREATE OR REPLACE FUNCTION lx.roster_bool(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p IS NULL OR btrim(p) = '' THEN false
                WHEN lower(btrim(p)) IN ('是', '1', 'y', 'yes', 't', 'true', '√') THEN true
                WHEN lower(btrim(p)) IN ('否', '0', 'n', 'no', 'f', 'false', '×') THEN false
           END
$$;

CREATE OR REPLACE FUNCTION lx.roster_check_cells(p_import text, p_today date DEFAULT current_date)
RETURNS TABLE (line integer, col text, value text, reason text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = lx, pg_temp AS $$
    WITH r AS (
        SELECT s.* FROM lx.roster_stage s WHERE s.import_id = p_import
    ), body0 AS (
        SELECT r.*,
               CASE btrim(r.programme) WHEN '本科' THEN 'ug' WHEN '研究生' THEN 'pg'
                    ELSE lower(btrim(r.programme)) END AS prog,
               CASE WHEN btrim(r.id_type) IN ('居民身份证', '身份证', 'resident') THEN 'resident'
                    WHEN btrim(r.id_type) IN ('港澳台居民居住证', 'hmt_permit') THEN 'hmt_permit'
                    WHEN btrim(r.id_type) IN ('护照', 'passport') THEN 'passport'
                    WHEN btrim(r.id_type) IN ('其他', '其他证件', 'other') THEN 'other'
               END AS idt,
               lx.resident_id_valid(upper(btrim(coalesce(r.id_number, '')))) AS id_ok
          FROM r
    ), body AS (
        -- what the checks compare across rows, computed once (window functions, not a
        -- subquery per row: 30,000 rows must check in a moment)
        SELECT b0.*,
               count(*) OVER (PARTITION BY b0.student_no) AS same_no,
               min(concat_ws('|', btrim(b0.college), b0.prog, btrim(b0.year)))
                   OVER (PARTITION BY btrim(b0.class))
               <> max(concat_ws('|', btrim(b0.college), b0.prog, btrim(b0.year)))
                   OVER (PARTITION BY btrim(b0.class)) AS class_split,
               bool_or(coalesce(btrim(b0.class_name), '') <> '')
                   OVER (PARTITION BY btrim(b0.class)) AS class_named
          FROM body0 b0
    ), problems AS (
        SELECT b.line, x.col, x.value, x.reason
          FROM body b
          CROSS JOIN LATERAL (VALUES
            ('学号', b.student_no, '学号应为 10 位数字',
             coalesce(b.student_no, '') !~ '^[0-9]{10}$'),
            ('学号', b.student_no, '文件中学号重复', b.same_no > 1),
            ('姓名', b.name, '姓名不能为空，且不超过 60 字',
             coalesce(btrim(b.name), '') = '' OR length(b.name) > 60),
            ('性别', b.gender, '性别应为“男”或“女”',
             coalesce(btrim(b.gender), '') NOT IN ('男', '女', 'M', 'F')),
            ('证件类型', b.id_type, '证件类型应为居民身份证、港澳台居民居住证、护照或其他',
             b.idt IS NULL),
            ('证件号码', NULL, '身份证号无效（位数、校验位或出生日期不对）',
             b.idt IN ('resident', 'hmt_permit') AND NOT b.id_ok),
            ('证件号码', NULL, '出生日期晚于今天',
             b.idt IN ('resident', 'hmt_permit') AND b.id_ok
             AND to_date(substr(btrim(b.id_number), 7, 8), 'YYYYMMDD') >= p_today),
            ('证件号码', NULL, '证件号码应为 5 至 30 个字符',
             b.idt IN ('passport', 'other')
             AND length(btrim(coalesce(b.id_number, ''))) NOT BETWEEN 5 AND 30),
            ('学院代码', b.college, '没有这个学院代码',
             NOT EXISTS (SELECT 1 FROM lx.college c WHERE c.code = btrim(b.college))),
            ('学院代码', b.college, '该学院已停用',
             EXISTS (SELECT 1 FROM lx.college c WHERE c.code = btrim(b.college) AND c.retired)),
            ('班级代码', b.class, '该班级已停用',
             EXISTS (SELECT 1 FROM lx.class cl WHERE cl.code = btrim(b.class) AND cl.retired)),
            ('培养层次', b.programme, '培养层次应为“本科”或“研究生”',
             NOT EXISTS (SELECT 1 FROM lx.programme p WHERE p.code = b.prog)),
            ('届', b.year, '没有这一届（或已归档）',
             NOT EXISTS (SELECT 1 FROM lx.cohort ch
                          WHERE ch.programme = b.prog AND NOT ch.closed
                            AND ch.year::text = btrim(coalesce(b.year, '')))),
            ('班级代码', b.class, '班级代码只能由字母、数字和 - 组成（不超过 20 个字符）',
             coalesce(btrim(b.class), '') !~ '^[0-9A-Za-z-]{1,20}$'),
            ('班级代码', b.class, '该班级属于其他学院或其他届',
             EXISTS (SELECT 1 FROM lx.class cl
                      JOIN lx.college c ON c.id = cl.college_id
                      JOIN lx.cohort ch ON ch.id = cl.cohort_id
                     WHERE cl.code = btrim(b.class)
                       AND (c.code <> btrim(b.college) OR ch.programme <> b.prog
                            OR ch.year::text <> btrim(coalesce(b.year, ''))))),
            ('班级名称', b.class_name, '新班级须填写班级名称',
             coalesce(btrim(b.class_name), '') = ''
             AND NOT EXISTS (SELECT 1 FROM lx.class cl WHERE cl.code = btrim(b.class))
             AND NOT b.class_named),
            ('班级代码', b.class, '同一班级代码在文件中对应不同的学院、层次或届',
             b.class_split),
            ('房间号', b.room, '宿舍楼和房间号须同时填写或同时留空',
             (coalesce(btrim(b.building), '') = '') <> (coalesce(btrim(b.room), '') = '')),
            ('学号', b.student_no, '该学号已属于其他届或层次的学生，不能改届',
             EXISTS (SELECT 1 FROM lx.student s JOIN lx.cohort ch ON ch.id = s.cohort_id
                      WHERE s.student_no = b.student_no
                        AND (ch.programme <> b.prog
                             OR ch.year::text <> btrim(coalesce(b.year, '')))))
          ) AS x (col, value, reason, bad)
         WHERE x.bad
        UNION ALL
        SELECT b.line, c.label, f.value, '应填“是”或“否”（也可为 1/0、Y/N，空为否）'
          FROM body b
          CROSS JOIN LATERAL (VALUES (13, b.party_member), (14, b.league_member),
                (15, b.must_return_instruments), (18, b.source_loan), (19, b.borrowed_switch),
                (20, b.certificates_deferred), (21, b.hukou_moved)) AS f (pos, value)
          JOIN lx.roster_column c ON c.pos = f.pos
         WHERE lx.roster_bool(f.value) IS NULL
        UNION ALL
        -- the national loans, one cell per configured institution (core/lx_import.c writes
        -- them as {code: cell}; the column's header is the fact's name)
        SELECT b.line, coalesce(i.fact_name, '国家助学贷款（' || l.key || '）'), l.value,
               CASE WHEN i.code IS NULL THEN '没有代码为 ' || l.key || ' 的学校'
                    WHEN lx.roster_bool(l.value) IS NULL
                    THEN '应填“是”或“否”（也可为 1/0、Y/N，空为否）'
                    ELSE i.name || '已停用，不能再登记其国家助学贷款' END
          FROM body b
          CROSS JOIN LATERAL jsonb_each_text(coalesce(b.national_loans, '{}')::jsonb) AS l
          LEFT JOIN (SELECT ii.code, ii.name, ii.retired, f.name AS fact_name
                       FROM lx.institution ii LEFT JOIN lx.fact f ON f.institution_id = ii.id)
                    i ON i.code = l.key
         WHERE i.code IS NULL OR lx.roster_bool(l.value) IS NULL
            OR (i.retired AND lx.roster_bool(l.value))
        UNION ALL
        SELECT 1, NULL, NULL, '文件中没有学生数据'
         WHERE NOT EXISTS (SELECT 1 FROM body0)
    )
    SELECT * FROM problems ORDER BY line, col
$$;

-- Every problem of a staged import, the cell checks and the one-line names together.
CREATE OR REPLACE FUNCTION lx.roster_check(p_import text, p_today date DEFAULT current_date)
RETURNS TABLE (line integer, col text, value text, reason text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = lx, pg_temp AS $$
    SELECT * FROM (
        SELECT * FROM lx.roster_check_cells(p_import, p_today)
        UNION ALL
        SELECT s.line, '姓名', regexp_replace(s.name, '[[:cntrl:]]', ' ', 'g'),
               '姓名不能包含换行、制表符等控制字符'
          FROM lx.roster_stage s
         WHERE s.import_id = p_import AND s.name ~ '[[:cntrl:]]'
    ) p
    ORDER BY line, col;
$$;

CREATE OR REPLACE FUNCTION lx.roster_merge(p_import text, p_login text, p_addr inet DEFAULT NULL,
                                p_checked boolean DEFAULT false)
RETURNS TABLE (inserted integer, updated integer, unchanged integer, states integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    v_ins integer;
    v_upd integer;
    v_all integer;
    v_ids integer[];
    v_fresh integer[];
    v_states integer := 0;
BEGIN
    -- the module (lx_app) imports for an administrator; the command line runs as the owner
    IF session_user = 'lx_app' THEN
        PERFORM lx.require_admin(p_login);
    END IF;
    -- p_checked: the caller ran lx.roster_check in this transaction and found nothing
    IF NOT p_checked AND EXISTS (SELECT 1 FROM lx.roster_check(p_import)) THEN
        RAISE EXCEPTION '导入文件未通过检查' USING ERRCODE = 'LX409';
    END IF;
    CREATE TEMP TABLE lx_roster ON COMMIT DROP AS
    SELECT btrim(r.student_no) AS student_no, btrim(r.name) AS name,
           CASE WHEN btrim(r.gender) IN ('男', 'M') THEN 'M' ELSE 'F' END AS gender,
           CASE WHEN btrim(r.id_type) IN ('居民身份证', '身份证', 'resident') THEN 'resident'
                WHEN btrim(r.id_type) IN ('港澳台居民居住证', 'hmt_permit') THEN 'hmt_permit'
                WHEN btrim(r.id_type) IN ('护照', 'passport') THEN 'passport'
                ELSE 'other' END AS id_type,
           upper(btrim(r.id_number)) AS id_number,
           c.id AS college_id, ch.id AS cohort_id, btrim(r.class) AS class_code,
           btrim(r.class_name) AS class_name,
           nullif(btrim(r.building), '') AS building, nullif(btrim(r.room), '') AS room,
           lx.roster_bool(r.party_member) AS party_member,
           lx.roster_bool(r.league_member) AS league_member,
           lx.roster_bool(r.must_return_instruments) AS must_return_instruments,
           coalesce(r.national_loans, '{}')::jsonb AS loans,
           lx.roster_bool(r.source_loan) AS source_loan,
           lx.roster_bool(r.borrowed_switch) AS borrowed_switch,
           lx.roster_bool(r.certificates_deferred) AS certificates_deferred,
           lx.roster_bool(r.hukou_moved) AS hukou_moved
      FROM lx.roster_stage r
      JOIN lx.college c ON c.code = btrim(r.college)
      JOIN lx.cohort ch ON ch.year::text = btrim(r.year) AND NOT ch.closed
                       AND ch.programme = CASE btrim(r.programme) WHEN '本科' THEN 'ug'
                                               WHEN '研究生' THEN 'pg'
                                               ELSE lower(btrim(r.programme)) END
     WHERE r.import_id = p_import;

    INSERT INTO lx.class (college_id, cohort_id, code, name)
    SELECT DISTINCT ON (class_code) college_id, cohort_id, class_code, class_name
      FROM lx_roster
     WHERE NOT EXISTS (SELECT 1 FROM lx.class cl WHERE cl.code = lx_roster.class_code)
     ORDER BY class_code, coalesce(class_name, '') = '';
    INSERT INTO lx.dorm_room (building, room)
    SELECT DISTINCT building, room FROM lx_roster WHERE building IS NOT NULL
    ON CONFLICT DO NOTHING;

    -- lock the students we update, in one order, as the door does
    PERFORM 1 FROM lx.student s JOIN lx_roster r ON r.student_no = s.student_no
     ORDER BY s.id FOR NO KEY UPDATE OF s;

    WITH src AS (
        SELECT r.*, cl.id AS class_id, d.id AS dorm_room_id
          FROM lx_roster r
          JOIN lx.class cl ON cl.code = r.class_code
          LEFT JOIN lx.dorm_room d ON d.building = r.building AND d.room = r.room
    ), up AS (
        INSERT INTO lx.student AS s (student_no, name, gender, id_type, id_number, college_id,
                                     class_id, cohort_id, dorm_room_id, party_member,
                                     league_member, must_return_instruments, source_loan,
                                     borrowed_switch, certificates_deferred, hukou_moved)
        SELECT student_no, name, gender, id_type, id_number, college_id, class_id, cohort_id,
               dorm_room_id, party_member, league_member, must_return_instruments,
               source_loan, borrowed_switch, certificates_deferred, hukou_moved
          FROM src
        ON CONFLICT (student_no) DO UPDATE
           SET name = EXCLUDED.name, gender = EXCLUDED.gender, id_type = EXCLUDED.id_type,
               id_number = EXCLUDED.id_number, college_id = EXCLUDED.college_id,
               class_id = EXCLUDED.class_id, dorm_room_id = EXCLUDED.dorm_room_id,
               party_member = EXCLUDED.party_member, league_member = EXCLUDED.league_member,
               must_return_instruments = EXCLUDED.must_return_instruments,
               source_loan = EXCLUDED.source_loan, borrowed_switch = EXCLUDED.borrowed_switch,
               certificates_deferred = EXCLUDED.certificates_deferred,
               hukou_moved = EXCLUDED.hukou_moved
         -- a row the file does not change is not written: no updated_at, no event
         WHERE (s.name, s.gender, s.id_type, s.id_number, s.college_id, s.class_id,
                s.dorm_room_id, s.party_member, s.league_member, s.must_return_instruments,
                s.source_loan, s.borrowed_switch, s.certificates_deferred, s.hukou_moved)
               IS DISTINCT FROM
               (EXCLUDED.name, EXCLUDED.gender, EXCLUDED.id_type, EXCLUDED.id_number,
                EXCLUDED.college_id, EXCLUDED.class_id, EXCLUDED.dorm_room_id,
                EXCLUDED.party_member, EXCLUDED.league_member,
                EXCLUDED.must_return_instruments, EXCLUDED.source_loan,
                EXCLUDED.borrowed_switch, EXCLUDED.certificates_deferred,
                EXCLUDED.hukou_moved)
        RETURNING s.id, (xmax = 0) AS fresh
    )
    SELECT coalesce(array_agg(id), '{}'), coalesce(array_agg(id) FILTER (WHERE fresh), '{}')
      INTO v_ids, v_fresh FROM up;

    -- national loans, per institution whose column the file has, as the file says: only the
    -- differences are written; an institution without a column keeps its loans as they are
    WITH cell AS (
        SELECT s.id AS student_id, i.id AS institution_id, lx.roster_bool(l.value) AS holds
          FROM lx_roster r JOIN lx.student s ON s.student_no = r.student_no
         CROSS JOIN LATERAL jsonb_each_text(r.loans) AS l
          JOIN lx.institution i ON i.code = l.key
    ), want AS (
        SELECT student_id, institution_id FROM cell WHERE holds
    ), gone AS (
        DELETE FROM lx.student_loan l USING cell c
         WHERE l.student_id = c.student_id AND l.institution_id = c.institution_id
           AND NOT c.holds
        RETURNING l.student_id
    ), added AS (
        INSERT INTO lx.student_loan (student_id, institution_id)
        SELECT w.student_id, w.institution_id FROM want w
         WHERE NOT EXISTS (SELECT 1 FROM lx.student_loan l
                            WHERE l.student_id = w.student_id
                              AND l.institution_id = w.institution_id)
        RETURNING student_id
    )
    SELECT coalesce(array_agg(DISTINCT id), '{}') INTO v_ids
      FROM (SELECT unnest(v_ids) UNION SELECT student_id FROM gone
            UNION SELECT student_id FROM added) AS changed (id);

    v_ins := cardinality(v_fresh);
    v_upd := cardinality(v_ids) - v_ins;
    SELECT count(*) INTO v_all FROM lx_roster;
    DELETE FROM lx.roster_stage WHERE import_id = p_import;
    DROP TABLE lx_roster;
    IF cardinality(v_ids) = 0 THEN
        RETURN QUERY SELECT 0, 0, v_all, 0;
        RETURN;
    END IF;
    v_states := lx.sync_steps(v_ids, p_login, p_addr, p_import);
    INSERT INTO lx.event (kind, login, note, source_addr, request_id)
    VALUES ('import', p_login,
            format('导入名单：新增 %s 名，更新 %s 名，无变化 %s 名', v_ins, v_upd,
                   v_all - v_ins - v_upd),
            p_addr, p_import);
    RETURN QUERY SELECT v_ins, v_upd, v_all - v_ins - v_upd, v_states;
END;
$$;

-- The roster file's header as this installation has it (the import tab shows it): the fixed
-- columns, with one national loan column per institution in use after 需归还教学仪器, named as
-- core/lx_import.c reads them (the loan fact's name, lx.loan_fact_name).
CREATE OR REPLACE VIEW lx.roster_header AS
SELECT label, name FROM (
    SELECT c.pos::numeric AS pos, c.label, c.name FROM lx.roster_column c
    UNION ALL
    SELECT 15 + row_number() OVER (ORDER BY i.code) / 1000.0, f.name, f.code
      FROM lx.institution i JOIN lx.fact f ON f.institution_id = i.id
     WHERE NOT i.retired
) h ORDER BY pos;
