-- api.sql: the API's tokens (only their SHA-256 is stored): registered by the set-up scripts
-- (lx.token_add), issued and revoked by an administrator (lx.admin_token_issue / _revoke), their
-- last use (lx.token_touch); and the portal's status rows (lx.api_status_rows).

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

-- An administrator's new token for one purpose: 64 hex characters of gen_random_uuid's strong
-- random bytes (244 bits), returned once (only its SHA-256 is stored).
CREATE OR REPLACE FUNCTION lx.admin_token_issue(p_admin text, p_purpose text, p_name text,
                                                p_addr inet DEFAULT NULL,
                                                p_request_id text DEFAULT NULL)
RETURNS TABLE (id integer, token text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    v_token text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
    v_name text;
    v_id integer;
BEGIN
    PERFORM lx.require_admin(p_admin);
    IF coalesce(p_purpose, '') NOT IN ('portal', 'library', 'finance', 'bank') THEN
        RAISE EXCEPTION '请选择令牌的用途（门户、图书馆、财务处或银行）' USING ERRCODE = 'LX400';
    END IF;
    v_name := lx.require_line(p_name, '令牌名称（使用它的系统）', 60);
    INSERT INTO lx.api_token (purpose, name, token_hash, created_by)
    VALUES (p_purpose, v_name, sha256(convert_to(v_token, 'UTF8')), p_admin)
    RETURNING api_token.id INTO v_id;
    PERFORM lx.log_config(p_admin, format('签发接口令牌 #%s（%s，用途 %s）', v_id, v_name,
                                         p_purpose), p_addr, p_request_id);
    RETURN QUERY SELECT v_id, v_token;
END;
$$;

-- Revoke a token: refused from its next request on, on every node (nothing is cached).
CREATE OR REPLACE FUNCTION lx.admin_token_revoke(p_admin text, p_id integer,
                                                 p_addr inet DEFAULT NULL,
                                                 p_request_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    t lx.api_token;
BEGIN
    PERFORM lx.require_admin(p_admin);
    UPDATE lx.api_token SET active = false, revoked_at = now(), revoked_by = p_admin
     WHERE api_token.id = p_id AND active RETURNING * INTO t;
    IF t.id IS NULL THEN
        RAISE EXCEPTION '没有这个令牌，或已吊销' USING ERRCODE = 'LX404';
    END IF;
    PERFORM lx.log_config(p_admin, format('吊销接口令牌 #%s（%s，用途 %s）', t.id, t.name,
                                         t.purpose), p_addr, p_request_id);
END;
$$;

-- A token was just used: its last use, at most once a minute (a portal calls many times a
-- second; a write each time would be a hot row), and never on a standby.
CREATE OR REPLACE FUNCTION lx.token_touch(p_id integer) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
    UPDATE lx.api_token SET last_used_at = now()
     WHERE id = p_id AND NOT pg_is_in_recovery()
       AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
$$;
