-- 020_event_by_door: the module's role no longer writes the event log itself.  Every event is
-- written by the functions of the one door (SECURITY DEFINER, as the owner), in the
-- transaction of the change it records.  A direct INSERT let lx_app append history that never
-- happened (a confirmation in another operator's name, a revoke that covers a trace), which
-- 008's REVOKE of lx.log_config from lx_app meant to prevent; the module never used it.
REVOKE INSERT ON lx.event FROM lx_app;
REVOKE USAGE ON SEQUENCE lx.event_id_seq FROM lx_app;
