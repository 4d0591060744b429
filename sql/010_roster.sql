-- 010_roster: the roster import.  A CSV file, as universities export it from Excel, is copied
-- (COPY, in the importer's transaction) into lx.roster_stage under an import id, checked as a
-- whole (lx.roster_check: every bad cell with its line, column, value and the reason in
-- Chinese), and merged set-based (lx.roster_merge: insert or update by student number, then
-- lx.sync_steps for the states).  A file with any bad row imports nothing.  The module and the
-- command line (scripts/import-roster.sh) take the same path.
--
-- Columns, in this order (the header row may use the Chinese or the English names):
--   学号 student_no | 姓名 name | 性别 gender | 证件类型 id_type | 证件号码 id_number |
--   学院代码 college | 班级代码 class | 班级名称 class_name | 培养层次 programme | 届 year |
--   宿舍楼 building | 房间号 room | 党员 party_member | 团员 league_member |
--   需归还教学仪器 must_return_instruments | 校本部国家助学贷款 national_loan_10534 |
--   潇湘学院国家助学贷款 national_loan_12649 | 生源地助学贷款 source_loan |
--   借用交换机 borrowed_switch | 暂缓发放两证 certificates_deferred | 户口迁入学校 hukou_moved

CREATE UNLOGGED TABLE lx.roster_stage (
    import_id   text NOT NULL DEFAULT current_setting('lx.import_id'),
    seq         bigserial,
    student_no text, name text, gender text, id_type text, id_number text, college text,
    class text, class_name text, programme text, year text, building text, room text,
    party_member text, league_member text, must_return_instruments text,
    national_loan_10534 text, national_loan_12649 text, source_loan text, borrowed_switch text,
    certificates_deferred text, hukou_moved text
);
CREATE INDEX roster_stage_import_idx ON lx.roster_stage (import_id, seq);
-- the importer copies into the staging table only; everything else goes through functions
GRANT INSERT ON lx.roster_stage TO lx_app;
GRANT USAGE ON SEQUENCE lx.roster_stage_seq_seq TO lx_app;

CREATE TABLE lx.roster_column (
    pos     smallint PRIMARY KEY,
    name    text NOT NULL UNIQUE,       -- the staging column, the English header
    label   text NOT NULL UNIQUE        -- the Chinese header
);
INSERT INTO lx.roster_column VALUES
    (1, 'student_no', '学号'), (2, 'name', '姓名'), (3, 'gender', '性别'),
    (4, 'id_type', '证件类型'), (5, 'id_number', '证件号码'), (6, 'college', '学院代码'),
    (7, 'class', '班级代码'), (8, 'class_name', '班级名称'), (9, 'programme', '培养层次'),
    (10, 'year', '届'), (11, 'building', '宿舍楼'), (12, 'room', '房间号'),
    (13, 'party_member', '党员'), (14, 'league_member', '团员'),
    (15, 'must_return_instruments', '需归还教学仪器'),
    (16, 'national_loan_10534', '校本部国家助学贷款'),
    (17, 'national_loan_12649', '潇湘学院国家助学贷款'),
    (18, 'source_loan', '生源地助学贷款'), (19, 'borrowed_switch', '借用交换机'),
    (20, 'certificates_deferred', '暂缓发放两证'), (21, 'hukou_moved', '户口迁入学校');

-- Yes/no as spreadsheets write it; NULL when it is neither.
CREATE FUNCTION lx.roster_bool(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p IS NULL OR btrim(p) = '' THEN false
                WHEN lower(btrim(p)) IN ('是', '1', 'y', 'yes', 't', 'true', '√') THEN true
                WHEN lower(btrim(p)) IN ('否', '0', 'n', 'no', 'f', 'false', '×') THEN false
           END
$$;

-- Every problem of an import: (line, column label, value, reason).  No row: it may be merged.
CREATE FUNCTION lx.roster_check(p_import text, p_today date DEFAULT current_date)
RETURNS TABLE (line integer, col text, value text, reason text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = lx, pg_temp AS $$
    WITH r AS (
        SELECT row_number() OVER (ORDER BY seq)::integer AS line, s.*
          FROM lx.roster_stage s WHERE s.import_id = p_import
    ), head AS (
        SELECT * FROM r WHERE line = 1
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
          FROM r WHERE line > 1
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
        -- the header names the documented columns, in order
        SELECT 1 AS line, c.label AS col, v.value,
               '表头第 ' || c.pos || ' 列应为“' || c.label || '”或“' || c.name || '”' AS reason
          FROM head h
          CROSS JOIN LATERAL (VALUES (1, h.student_no), (2, h.name), (3, h.gender),
                (4, h.id_type), (5, h.id_number), (6, h.college), (7, h.class),
                (8, h.class_name), (9, h.programme), (10, h.year), (11, h.building),
                (12, h.room), (13, h.party_member), (14, h.league_member),
                (15, h.must_return_instruments), (16, h.national_loan_10534),
                (17, h.national_loan_12649), (18, h.source_loan), (19, h.borrowed_switch),
                (20, h.certificates_deferred), (21, h.hukou_moved)) AS v (pos, value)
          JOIN lx.roster_column c ON c.pos = v.pos
         WHERE coalesce(btrim(v.value), '') NOT IN (c.label, c.name)
        UNION ALL
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
                (15, b.must_return_instruments), (16, b.national_loan_10534),
                (17, b.national_loan_12649), (18, b.source_loan), (19, b.borrowed_switch),
                (20, b.certificates_deferred), (21, b.hukou_moved)) AS f (pos, value)
          JOIN lx.roster_column c ON c.pos = f.pos
         WHERE lx.roster_bool(f.value) IS NULL
        UNION ALL
        SELECT 1, NULL, NULL, '文件中没有学生数据'
         WHERE NOT EXISTS (SELECT 1 FROM body0)
    )
    SELECT * FROM problems ORDER BY line, col
$$;

-- Merge a checked import: classes and rooms created as needed, students inserted or updated
-- by student number, national loans per campus, then the states through lx.sync_steps.
-- Returns (inserted, updated, states).  The staging rows are removed.  The staging rows cannot
-- change between the caller's check and the merge: only this transaction sees its import id.
CREATE FUNCTION lx.roster_merge(p_import text, p_login text, p_addr inet DEFAULT NULL,
                                p_checked boolean DEFAULT false)
RETURNS TABLE (inserted integer, updated integer, states integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    v_ins integer;
    v_upd integer;
    v_ids integer[];
    v_states integer;
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
           lx.roster_bool(r.national_loan_10534) AS loan_10534,
           lx.roster_bool(r.national_loan_12649) AS loan_12649,
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
     WHERE r.import_id = p_import
       AND r.seq > (SELECT min(seq) FROM lx.roster_stage WHERE import_id = p_import);

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
        RETURNING s.id, (xmax = 0) AS fresh
    )
    SELECT count(*) FILTER (WHERE fresh), count(*) FILTER (WHERE NOT fresh), array_agg(id)
      INTO v_ins, v_upd, v_ids FROM up;

    -- national loans, per campus, as the file says
    DELETE FROM lx.student_loan l USING lx.student s, lx_roster r
     WHERE l.student_id = s.id AND s.student_no = r.student_no;
    INSERT INTO lx.student_loan (student_id, institution_id)
    SELECT s.id, i.id
      FROM lx_roster r JOIN lx.student s ON s.student_no = r.student_no
      JOIN lx.institution i ON (i.code = '10534' AND r.loan_10534)
                            OR (i.code = '12649' AND r.loan_12649);

    v_states := lx.sync_steps(v_ids, p_login, p_addr, p_import);
    INSERT INTO lx.event (kind, login, note, source_addr, request_id)
    VALUES ('import', p_login, format('导入名单：新增 %s 名，更新 %s 名', v_ins, v_upd),
            p_addr, p_import);
    DELETE FROM lx.roster_stage WHERE import_id = p_import;
    DROP TABLE lx_roster;
    RETURN QUERY SELECT v_ins, v_upd, v_states;
END;
$$;

-- ---- exports ----------------------------------------------------------------------------

-- A cell that Excel would take for a formula is quoted with a leading apostrophe.
CREATE FUNCTION lx.csv_safe(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN left(p, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || p ELSE p END
$$;

-- Students still pending p_step within a desk's scope (optionally one class).
CREATE FUNCTION lx.export_pending(p_point integer, p_college integer, p_step_code text,
                                  p_class text DEFAULT NULL)
RETURNS TABLE ("学号" text, "姓名" text, "学院" text, "班级" text, "宿舍" text, "届" text,
               "未完成业务" text, "办理地点" text)
LANGUAGE sql STABLE AS $$
    SELECT s.student_no, lx.csv_safe(s.name), co.name, cl.name,
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
CREATE FUNCTION lx.export_cleared(p_point integer, p_college integer, p_class text DEFAULT NULL)
RETURNS TABLE ("学号" text, "姓名" text, "学院" text, "班级" text, "届" text, "办结时间" text)
LANGUAGE sql STABLE AS $$
    SELECT s.student_no, lx.csv_safe(s.name), co.name, cl.name, ch.name,
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

-- ---- feed files ---------------------------------------------------------------------------
-- The library's, the finance office's and the bank's figures may also come as a CSV file
-- uploaded by an administrator: 学号,借阅册数,欠款 | 学号,欠费 | 学号,已还款 (header row first).
-- The rows become the same JSON document the push API takes, and lx.feed_apply checks and
-- applies it: one path for both.

CREATE UNLOGGED TABLE lx.feed_stage (
    import_id   text NOT NULL DEFAULT current_setting('lx.import_id'),
    seq         bigserial,
    c1 text, c2 text, c3 text
);
CREATE INDEX feed_stage_import_idx ON lx.feed_stage (import_id, seq);
GRANT INSERT ON lx.feed_stage TO lx_app;
GRANT USAGE ON SEQUENCE lx.feed_stage_seq_seq TO lx_app;

-- A cell as JSON: a number when it reads as one, true/false for yes/no, else the text itself
-- (which lx.feed_apply then reports as a wrong type).
CREATE FUNCTION lx.csv_json(p text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN btrim(p) ~ '^-?[0-9]{1,12}(\.[0-9]{1,6})?$' THEN to_jsonb(btrim(p)::numeric)
                WHEN lx.roster_bool(p) IS NOT NULL AND btrim(coalesce(p, '')) <> ''
                    THEN to_jsonb(lx.roster_bool(p))
                ELSE to_jsonb(p) END
$$;

-- The staged rows of a feed file as a feed document; the header row is left out.
CREATE FUNCTION lx.feed_document(p_import text, p_purpose text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = lx, pg_temp AS $$
    SELECT jsonb_build_object('records', coalesce(jsonb_agg(
               CASE p_purpose
               WHEN 'library' THEN jsonb_build_object('student_no', btrim(f.c1),
                                                     'loans', lx.csv_json(f.c2),
                                                     'fines', lx.csv_json(f.c3))
               WHEN 'finance' THEN jsonb_build_object('student_no', btrim(f.c1),
                                                     'arrears', lx.csv_json(f.c2))
               ELSE jsonb_build_object('student_no', btrim(f.c1),
                                       'repaid', lx.csv_json(f.c2))
               END ORDER BY f.seq), '[]'))
      FROM lx.feed_stage f
     WHERE f.import_id = p_import
       AND f.seq > (SELECT min(seq) FROM lx.feed_stage WHERE import_id = p_import)
$$;
