-- feed.sql: the feeds of the library, the finance office and the bank: a JSON document checked
-- as a whole and applied through the door (lx.feed_apply), and the CSV feeds of the import
-- command turned into such a document (lx.csv_json, lx.feed_document, lx.feed_report).

-- Apply a feed document.  p_purpose: library | finance | bank.  The document:
--   library: {"records": [{"student_no": "2022010001", "loans": 0, "fines": 0}, ...]}
--   finance: {"records": [{"student_no": "2022010001", "arrears": 0}, ...]}
--   bank:    {"records": [{"student_no": "2022010001", "repaid": true}, ...]}
-- Returns (ok, errors, changed): with any bad item nothing is changed and errors lists every bad
-- item as {"index", "field", "code", "message"}; otherwise the figures are stored, the automatic
-- steps re-evaluated through lx.sync_steps (library, finance) or the proposals set through
-- lx.set_proposal (bank), and changed counts the states that changed.
CREATE OR REPLACE FUNCTION lx.feed_apply(p_purpose text, p_doc jsonb, p_addr inet DEFAULT NULL,
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

-- A cell as JSON: a number when it reads as one, true/false for yes/no, else the text itself
-- (which lx.feed_apply then reports as a wrong type).
CREATE OR REPLACE FUNCTION lx.csv_json(p text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN btrim(p) ~ '^-?[0-9]{1,12}(\.[0-9]{1,6})?$' THEN to_jsonb(btrim(p)::numeric)
                WHEN lx.roster_bool(p) IS NOT NULL AND btrim(coalesce(p, '')) <> ''
                    THEN to_jsonb(lx.roster_bool(p))
                ELSE to_jsonb(p) END
$$;

-- The staged rows of a feed file as a feed document, in the file's order.
CREATE OR REPLACE FUNCTION lx.feed_document(p_import text, p_purpose text) RETURNS jsonb
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
$$;

-- lx.feed_apply's findings on a staged feed file, as the import's report: the file's line,
-- the column's Chinese header, the cell, the reason.
CREATE OR REPLACE FUNCTION lx.feed_report(p_import text, p_errors jsonb)
RETURNS TABLE (line integer, col text, value text, reason text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = lx, pg_temp AS $$
    WITH staged AS (
        SELECT (row_number() OVER (ORDER BY f.seq) - 1)::integer AS idx, f.*
          FROM lx.feed_stage f WHERE f.import_id = p_import
    )
    SELECT coalesce(s.line, 0), h.label,
           CASE e.field WHEN 'student_no' THEN s.c1 WHEN 'fines' THEN s.c3 ELSE s.c2 END,
           e.message
      FROM jsonb_to_recordset(p_errors) AS e ("index" integer, field text, message text)
      LEFT JOIN staged s ON s.idx = e."index"
      LEFT JOIN (VALUES ('student_no', '学号'), ('loans', '借阅册数'), ('fines', '欠款'),
                        ('arrears', '欠费'), ('repaid', '已还款')) AS h (field, label)
             ON h.field = e.field
     ORDER BY 1, 2
$$;

-- A feed's amount: a JSON number, or a string holding a decimal number ("2.0", "12.50"),
-- >= 0, below p_max, with at most p_scale decimals.  A CSV or .xlsx cell is read the same way
-- (lx.csv_json), so "2.0" is 2 loans whichever way it came.
CREATE OR REPLACE FUNCTION lx.json_amount_ok(p jsonb, p_scale integer, p_max numeric)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_typeof(p) = 'number'
                     OR (jsonb_typeof(p) = 'string'
                         AND (p #>> '{}') ~ '^[0-9]{1,12}(\.[0-9]{1,6})?$')
                THEN (p #>> '{}')::numeric >= 0 AND (p #>> '{}')::numeric < p_max
                     AND (p #>> '{}')::numeric = round((p #>> '{}')::numeric, p_scale)
                ELSE false END
$$;
