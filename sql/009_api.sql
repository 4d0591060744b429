-- 009_api: the portal's status API and the feeds of the library, the finance office and the
-- bank.  Callers present a token; only its SHA-256 is stored, and each token serves one purpose.
-- Feed documents are parsed by PostgreSQL (jsonb), validated as a whole, and applied through the
-- one door (lx.sync_steps for the automatic steps, lx.set_proposal for the bank's proposals).

CREATE TABLE lx.api_token (
    id          serial PRIMARY KEY,
    purpose     text NOT NULL CHECK (purpose IN ('portal', 'library', 'finance', 'bank')),
    name        text NOT NULL CHECK (name <> ''),
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The purpose of an active token, or NULL.
CREATE FUNCTION lx.token_purpose(p_token text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = lx, pg_temp AS $$
    SELECT purpose FROM lx.api_token
     WHERE token_hash = sha256(convert_to(p_token, 'UTF8')) AND active
$$;

-- Register a token (administrators, or the set-up scripts as the owner).  The token itself is
-- made by the caller (at least 32 random characters) and never stored.
CREATE FUNCTION lx.token_add(p_purpose text, p_name text, p_token text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    v_id integer;
BEGIN
    IF length(p_token) < 32 THEN
        RAISE EXCEPTION 'a token needs at least 32 characters' USING ERRCODE = 'LX400';
    END IF;
    INSERT INTO lx.api_token (purpose, name, token_hash)
    VALUES (p_purpose, p_name, sha256(convert_to(p_token, 'UTF8')))
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;
REVOKE EXECUTE ON FUNCTION lx.token_add(text, text, text) FROM lx_app;

-- A student's status for the portal: JSON, one consistent snapshot.  NULL: no such student.
CREATE FUNCTION lx.api_status(p_student_no text) RETURNS json
LANGUAGE sql STABLE AS $$
    WITH s AS (
        SELECT s.id, s.student_no, s.name, co.name AS college, cl.name AS class,
               ch.name AS cohort, pr.name AS programme, ch.closed
          FROM lx.student s
          JOIN lx.college co ON co.id = s.college_id
          JOIN lx.class cl ON cl.id = s.class_id
          JOIN lx.cohort ch ON ch.id = s.cohort_id
          JOIN lx.programme pr ON pr.code = ch.programme
         WHERE s.student_no = p_student_no
    ), steps AS (
        SELECT st.code, st.name, st.optional, p.code AS point, p.name AS point_name,
               CASE WHEN p.scope = 'college'
                    THEN CASE WHEN p.cert_desk THEN co.cert_office ELSE co.office END
                    ELSE p.location END AS location,
               ss.state, ss.at, p.sort AS psort, st.sort AS ssort, st.id
          FROM s
          JOIN lx.step_state ss ON ss.student_id = s.id AND ss.state <> 'na'
          JOIN lx.step st ON st.id = ss.step_id
          JOIN lx.point p ON p.id = st.point_id
          JOIN lx.student x ON x.id = s.id
          JOIN lx.college co ON co.id = x.college_id
    )
    SELECT json_build_object(
        'student', json_build_object('student_no', s.student_no, 'name', s.name,
                                     'college', s.college, 'class', s.class,
                                     'cohort', s.cohort, 'programme', s.programme,
                                     'cohort_closed', s.closed),
        'cleared', NOT EXISTS (SELECT 1 FROM steps WHERE NOT optional AND state = 'pending'),
        'required_steps', (SELECT count(*) FROM steps WHERE NOT optional),
        'required_done', (SELECT count(*) FROM steps WHERE NOT optional AND state = 'done'),
        'steps', coalesce((SELECT json_agg(json_build_object(
                     'point', point, 'point_name', point_name, 'step', code, 'name', name,
                     'state', state, 'optional', optional,
                     'at', to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS+08:00'))
                     ORDER BY psort, ssort, id) FROM steps), '[]'),
        'left', coalesce((SELECT json_agg(json_build_object(
                     'point', point, 'point_name', point_name, 'step', code, 'name', name,
                     'location', location) ORDER BY psort, ssort, id)
                   FROM steps WHERE NOT optional AND state = 'pending'), '[]'))
      FROM s
$$;

-- Whether a JSON value is a number >= 0, below p_max, with at most p_scale decimals.
CREATE FUNCTION lx.json_amount_ok(p jsonb, p_scale integer, p_max numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_typeof(p) = 'number'
                THEN (p #>> '{}')::numeric >= 0 AND (p #>> '{}')::numeric < p_max
                     AND (p #>> '{}')::numeric = round((p #>> '{}')::numeric, p_scale)
                ELSE false END
$$;

-- Apply a feed document.  p_purpose: library | finance | bank.  The document:
--   library: {"records": [{"student_no": "2022010001", "loans": 0, "fines": 0}, ...]}
--   finance: {"records": [{"student_no": "2022010001", "arrears": 0}, ...]}
--   bank:    {"records": [{"student_no": "2022010001", "repaid": true}, ...]}
-- Returns (ok, errors, changed): with any bad item nothing is changed and errors lists every bad
-- item as {"index", "field", "code", "message"}; otherwise the figures are stored, the automatic
-- steps re-evaluated through lx.sync_steps (library, finance) or the proposals set through
-- lx.set_proposal (bank), and changed counts the states that changed.
CREATE FUNCTION lx.feed_apply(p_purpose text, p_doc jsonb, p_addr inet DEFAULT NULL,
                              p_request_id text DEFAULT NULL)
RETURNS TABLE (ok boolean, errors jsonb, changed integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    v_login text := 'feed:' || p_purpose;
    v_errors jsonb;
    v_ids integer[];
    v_n integer := 0;
BEGIN
    IF p_purpose NOT IN ('library', 'finance', 'bank') THEN
        RAISE EXCEPTION 'unknown feed %', p_purpose USING ERRCODE = 'LX400';
    END IF;
    IF jsonb_typeof(p_doc) <> 'object' OR jsonb_typeof(p_doc -> 'records') <> 'array' THEN
        RETURN QUERY SELECT false, jsonb_build_array(jsonb_build_object(
            'index', NULL, 'field', 'records', 'code', 'bad_document',
            'message', '文档应为 {"records": [...]}')), 0;
        RETURN;
    END IF;
    IF jsonb_array_length(p_doc -> 'records') > 100000 THEN
        RETURN QUERY SELECT false, jsonb_build_array(jsonb_build_object(
            'index', NULL, 'field', 'records', 'code', 'too_many_records',
            'message', '一次最多 100000 条记录')), 0;
        RETURN;
    END IF;

    -- every item, with its fields as text (so that a wrong type is a finding, not a crash)
    CREATE TEMP TABLE IF NOT EXISTS lx_feed_item (
        idx integer, item jsonb, student_id integer, student_no text,
        n1 numeric, n2 numeric, flag boolean
    ) ON COMMIT DROP;
    TRUNCATE lx_feed_item;
    INSERT INTO lx_feed_item (idx, item, student_no)
    SELECT r.ord - 1, r.item, r.item ->> 'student_no'
      FROM jsonb_array_elements(p_doc -> 'records') WITH ORDINALITY AS r (item, ord);

    WITH checks AS (
        SELECT i.idx, c.field, c.code, c.message
          FROM lx_feed_item i
          CROSS JOIN LATERAL (VALUES
            ('student_no', 'bad_student_no', '学号应为 10 位数字',
             jsonb_typeof(i.item) <> 'object' OR coalesce(i.student_no, '') !~ '^[0-9]{10}$'),
            ('student_no', 'unknown_student', '学号不存在',
             i.student_no ~ '^[0-9]{10}$'
             AND NOT EXISTS (SELECT 1 FROM lx.student s WHERE s.student_no = i.student_no)),
            ('loans', 'bad_number', '借阅册数应为非负整数',
             p_purpose = 'library' AND NOT lx.json_amount_ok(i.item -> 'loans', 0, 100000)),
            ('fines', 'bad_amount', '欠款金额应为非负数，最多两位小数',
             p_purpose = 'library' AND NOT lx.json_amount_ok(i.item -> 'fines', 2, 100000000)),
            ('arrears', 'bad_amount', '欠费金额应为非负数，最多两位小数',
             p_purpose = 'finance' AND NOT lx.json_amount_ok(i.item -> 'arrears', 2, 10000000000)),
            ('repaid', 'bad_boolean', 'repaid 应为 true 或 false',
             p_purpose = 'bank' AND jsonb_typeof(i.item -> 'repaid') IS DISTINCT FROM 'boolean'),
            ('student_no', 'duplicate', '同一文档中学号重复',
             (SELECT count(*) FROM lx_feed_item j WHERE j.student_no = i.student_no) > 1)
          ) AS c (field, code, message, bad)
         WHERE c.bad
    )
    SELECT jsonb_agg(jsonb_build_object('index', idx, 'field', field, 'code', code,
                                        'message', message) ORDER BY idx, field)
      INTO v_errors FROM checks;
    IF v_errors IS NOT NULL THEN
        RETURN QUERY SELECT false, v_errors, 0;
        RETURN;
    END IF;

    UPDATE lx_feed_item i SET student_id = s.id,
           n1 = CASE p_purpose WHEN 'library' THEN (i.item ->> 'loans')::numeric
                               WHEN 'finance' THEN (i.item ->> 'arrears')::numeric END,
           n2 = CASE WHEN p_purpose = 'library' THEN (i.item ->> 'fines')::numeric END,
           flag = CASE WHEN p_purpose = 'bank' THEN (i.item ->> 'repaid')::boolean END
      FROM lx.student s WHERE s.student_no = i.student_no;
    v_ids := ARRAY(SELECT student_id FROM lx_feed_item ORDER BY student_id);
    PERFORM 1 FROM lx.student s WHERE s.id = ANY (v_ids) ORDER BY s.id FOR NO KEY UPDATE;

    IF p_purpose = 'library' THEN
        UPDATE lx.student s SET library_loans = i.n1::integer, library_fines = i.n2,
                                library_received_at = now()
          FROM lx_feed_item i WHERE s.id = i.student_id;
        v_n := lx.sync_steps(v_ids, v_login, p_addr, p_request_id);
    ELSIF p_purpose = 'finance' THEN
        UPDATE lx.student s SET arrears = i.n1, arrears_received_at = now()
          FROM lx_feed_item i WHERE s.id = i.student_id;
        v_n := lx.sync_steps(v_ids, v_login, p_addr, p_request_id);
    ELSE
        v_n := lx.set_proposal((SELECT id FROM lx.step WHERE proposable LIMIT 1),
                               ARRAY(SELECT student_id FROM lx_feed_item WHERE flag),
                               true, v_login, p_addr, p_request_id)
             + lx.set_proposal((SELECT id FROM lx.step WHERE proposable LIMIT 1),
                               ARRAY(SELECT student_id FROM lx_feed_item WHERE NOT flag),
                               false, v_login, p_addr, p_request_id);
    END IF;
    TRUNCATE lx_feed_item;
    RETURN QUERY SELECT true, '[]'::jsonb, v_n;
END;
$$;
