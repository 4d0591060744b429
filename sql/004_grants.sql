-- 004_grants: what the module's role (lx_app) may do.  It reads everything, appends to the event
-- log (never updates, deletes or truncates it: no such grant, and a trigger refuses even the
-- owner), and changes states only through the SECURITY DEFINER functions of 002_change.sql.
-- The roles themselves are created by whoever administers the cluster (scripts/db.sh for the
-- demo and the tests; README "Installation" for production).

REVOKE ALL ON SCHEMA lx FROM PUBLIC;
GRANT USAGE ON SCHEMA lx TO lx_app;
GRANT SELECT ON ALL TABLES IN SCHEMA lx TO lx_app;
GRANT INSERT ON lx.event TO lx_app;
GRANT USAGE ON SEQUENCE lx.event_id_seq TO lx_app;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA lx FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA lx TO lx_app;

-- tables and functions of later migrations get the same read and execute rights by default;
-- any write right must be granted explicitly by the migration that needs it
ALTER DEFAULT PRIVILEGES IN SCHEMA lx GRANT SELECT ON TABLES TO lx_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA lx REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA lx GRANT EXECUTE ON FUNCTIONS TO lx_app;
