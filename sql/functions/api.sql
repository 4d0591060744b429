-- api.sql: the API's tokens (lx.token_add; only their SHA-256 is stored) and the portal's
-- status rows (lx.api_status_rows).

-- Register a token (administrators, or the set-up scripts as the owner).  The token itself is
-- made by the caller (at least 32 random characters) and never stored.
CREATE OR REPLACE FUNCTION lx.token_add(p_purpose text, p_name text, p_token text) RETURNS integer
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

CREATE OR REPLACE VIEW lx.api_status_rows AS
SELECT s.student_no, s.name, co.name AS college, cl.name AS class, ch.name AS cohort,
       pr.name AS programme, ch.closed AS cohort_closed,
       st.code AS step, st.name AS step_name, st.optional, p.code AS point,
       p.name AS point_name,
       CASE WHEN p.scope = 'college'
            THEN CASE WHEN p.cert_desk THEN co.cert_office ELSE co.office END
            ELSE p.location END AS location,
       ss.state, extract(epoch FROM ss.at)::bigint AS at_epoch,
       p.sort AS point_sort, st.sort AS step_sort, st.id AS step_id
  FROM lx.student s
  JOIN lx.college co ON co.id = s.college_id
  JOIN lx.class cl ON cl.id = s.class_id
  JOIN lx.cohort ch ON ch.id = s.cohort_id
  JOIN lx.programme pr ON pr.code = ch.programme
  LEFT JOIN (lx.step_state ss
             JOIN lx.step st ON st.id = ss.step_id
             JOIN lx.point p ON p.id = st.point_id)
         ON ss.student_id = s.id AND ss.state <> 'na';
