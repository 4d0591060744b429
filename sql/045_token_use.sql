-- 045_token_use: API tokens issued, listed and revoked by an administrator (/lx/admin, tab
-- 接口令牌; lixiao-admin token), with who did it and when, and when each was last used: an IT
-- office must see which system still calls with an old token before revoking it.
--
-- last_used_at is written by lx.token_touch (sql/functions/api.sql) at most once a minute per
-- token, and only on the primary.
ALTER TABLE lx.api_token
    ADD COLUMN created_by text,
    ADD COLUMN last_used_at timestamptz,
    ADD COLUMN revoked_at timestamptz,
    ADD COLUMN revoked_by text;
-- a token revoked by hand before (UPDATE ... SET active = false): when is not known
UPDATE lx.api_token SET revoked_at = created_at WHERE NOT active;
ALTER TABLE lx.api_token ADD CONSTRAINT api_token_revoked CHECK ((revoked_at IS NULL) = active);
