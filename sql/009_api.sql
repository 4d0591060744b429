-- 009_api: the portal's status API and the feeds of the library, the finance office and the
-- bank.  Callers present a token; only its SHA-256 is stored, and each token serves one purpose.
-- Feed documents are parsed by PostgreSQL (jsonb), validated as a whole, and applied through the
-- one door (lx.sync_steps for the automatic steps, lx.set_proposal for the bank's proposals).
--
-- The functions, views, triggers and grants it defined are in sql/functions/ (?.sql, api.sql,
-- feed.sql, grants.sql), which scripts/migrate.sh applies after the migrations.

CREATE TABLE lx.api_token (
    id          serial PRIMARY KEY,
    purpose     text NOT NULL CHECK (purpose IN ('portal', 'library', 'finance', 'bank')),
    name        text NOT NULL CHECK (name <> ''),
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);
