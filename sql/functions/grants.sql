-- grants.sql: what the module's role (lx_app) may do, applied last, after every table and
-- function exists.  It reads everything and writes only the import's staging tables; it
-- changes states, the configuration and the event log only through the SECURITY DEFINER
-- functions of this directory (the door: change.sql).  The event log is never updated, deleted
-- or truncated (no such grant, and a trigger of checks.sql refuses even the owner).  The roles
-- themselves are created by whoever administers the cluster (scripts/pg.sh setup for the demo
-- and the tests; docs/installation.md for production).  Each statement states a final
-- state, so that running this file again changes nothing.

REVOKE ALL ON SCHEMA lx FROM PUBLIC;
GRANT USAGE ON SCHEMA lx TO lx_app;

-- tables and functions made later get the same read and execute rights by default; any write
-- right is granted below, by name
ALTER DEFAULT PRIVILEGES IN SCHEMA lx GRANT SELECT ON TABLES TO lx_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA lx REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA lx GRANT EXECUTE ON FUNCTIONS TO lx_app;

GRANT SELECT ON ALL TABLES IN SCHEMA lx TO lx_app;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA lx FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA lx TO lx_app;

-- every event is written by the door, as the owner, in the transaction of the change it
-- records (020): a direct INSERT let lx_app append history that never happened
REVOKE INSERT ON lx.event FROM lx_app;
REVOKE USAGE ON SEQUENCE lx.event_id_seq FROM lx_app;
-- nor may it log a configuration change of its own (008), or make an API token (009)
REVOKE EXECUTE ON FUNCTION lx.log_config(text, text, inet, text, integer, integer) FROM lx_app;
REVOKE EXECUTE ON FUNCTION lx.token_add(text, text, text) FROM lx_app;
-- nor make itself an administrator: the first one is the IT office's (setup.sql)
REVOKE EXECUTE ON FUNCTION lx.admin_bootstrap(text, text) FROM lx_app;

-- the import copies the parsed lines into the staging tables (010, 041)
GRANT INSERT ON lx.roster_stage TO lx_app;
GRANT USAGE ON SEQUENCE lx.roster_stage_seq_seq TO lx_app;
GRANT INSERT ON lx.feed_stage TO lx_app;
GRANT USAGE ON SEQUENCE lx.feed_stage_seq_seq TO lx_app;
