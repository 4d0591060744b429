"""Every change the tests make is in the event log exactly once.

Installed in the test cluster only (never in the demo's or the benchmarks'), after the demo data
are generated: statement triggers with transition tables note, with the transaction's id, every
change of a student's step state or proposal, every gate lifted or put back (lx.override) and
every student inserted or updated, and which events each transaction appended.  `problems()`
then compares, transaction by transaction:

- each state change (confirm, revoke, feed, applicability), proposal (propose, unpropose) and
  override (override_on, override_off) with the events of the same transaction: the same
  student, step, old and new state, as many events as changes (a missing event and a doubled
  one are both reported);
- imports: a transaction of the module (lx_app) that inserts students appends exactly one
  'import' event, no transaction appends two, and an 'import' event comes with students
  inserted or updated;
- history: no event appended during the session has gone.

The first states of a new student (lx.sync_steps creates them unlogged, by design) and the
base data the tests write directly as the superuser (students, feeder figures) are not
changes of the event log's kinds and are not compared.
"""

INSTALL = r"""
CREATE SCHEMA lxtest;
CREATE TABLE lxtest.change (
    id          bigserial PRIMARY KEY,
    xact        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    what        text NOT NULL,
    student_id  integer,
    step_id     integer,
    old_state   text,
    new_state   text,
    n           bigint NOT NULL DEFAULT 1,
    by_role     name NOT NULL DEFAULT session_user
);
CREATE TABLE lxtest.event (
    id          bigserial PRIMARY KEY,
    xact        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id    bigint NOT NULL
);
CREATE INDEX ON lxtest.change (xact);
CREATE INDEX ON lxtest.event (xact);

CREATE FUNCTION lxtest.state_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO lxtest.change (what, student_id, step_id, old_state, new_state)
    SELECT CASE WHEN o.state <> n.state THEN 'state'
                WHEN n.proposed THEN 'propose' ELSE 'unpropose' END,
           n.student_id, n.step_id, o.state, n.state
      FROM old_rows o JOIN new_rows n USING (student_id, step_id)
     WHERE o.state <> n.state OR o.proposed <> n.proposed;
    RETURN NULL;
END;
$$;
CREATE TRIGGER lxtest_state AFTER UPDATE ON lx.step_state
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lxtest.state_changed();

-- a student deleted takes their overrides along: that is no override_off
CREATE FUNCTION lxtest.override_written() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO lxtest.change (what, student_id, step_id)
    SELECT CASE TG_OP WHEN 'INSERT' THEN 'override_on' ELSE 'override_off' END,
           o.student_id, o.step_id
      FROM rows o
     WHERE TG_OP = 'INSERT' OR EXISTS (SELECT 1 FROM lx.student s WHERE s.id = o.student_id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER lxtest_override_on AFTER INSERT ON lx.override
    REFERENCING NEW TABLE AS rows
    FOR EACH STATEMENT EXECUTE FUNCTION lxtest.override_written();
CREATE TRIGGER lxtest_override_off AFTER DELETE ON lx.override
    REFERENCING OLD TABLE AS rows
    FOR EACH STATEMENT EXECUTE FUNCTION lxtest.override_written();

CREATE FUNCTION lxtest.student_written() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO lxtest.change (what, n)
    SELECT 'student_' || lower(TG_OP), count(*) FROM rows HAVING count(*) > 0;
    RETURN NULL;
END;
$$;
CREATE TRIGGER lxtest_student_insert AFTER INSERT ON lx.student
    REFERENCING NEW TABLE AS rows
    FOR EACH STATEMENT EXECUTE FUNCTION lxtest.student_written();
CREATE TRIGGER lxtest_student_update AFTER UPDATE ON lx.student
    REFERENCING NEW TABLE AS rows
    FOR EACH STATEMENT EXECUTE FUNCTION lxtest.student_written();

CREATE FUNCTION lxtest.event_added() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO lxtest.event (event_id) SELECT id FROM new_rows;
    RETURN NULL;
END;
$$;
CREATE TRIGGER lxtest_event AFTER INSERT ON lx.event
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lxtest.event_added();

-- What does not match in the transactions that noted a change or an event after the marks.
CREATE FUNCTION lxtest.problems(p_change bigint, p_event bigint)
RETURNS TABLE (xact xid8, what text, student_id integer, step_id integer, old_state text,
               new_state text, changes bigint, events bigint)
LANGUAGE sql AS $$
    WITH x AS (
        SELECT c.xact FROM lxtest.change c WHERE c.id > p_change
        UNION SELECT t.xact FROM lxtest.event t WHERE t.id > p_event
    ), ch AS (
        SELECT c.xact, c.what, coalesce(c.student_id, 0) AS student_id,
               coalesce(c.step_id, 0) AS step_id,
               coalesce(c.old_state, '') AS old_state, coalesce(c.new_state, '') AS new_state,
               count(*) AS n
          FROM lxtest.change c JOIN x USING (xact)
         WHERE c.what IN ('state', 'propose', 'unpropose', 'override_on', 'override_off')
         GROUP BY 1, 2, 3, 4, 5, 6
    ), ev AS (
        SELECT t.xact,
               CASE WHEN e.kind IN ('confirm', 'revoke', 'feed', 'applicability') THEN 'state'
                    ELSE e.kind END AS what,
               coalesce(e.student_id, 0) AS student_id, coalesce(e.step_id, 0) AS step_id,
               CASE WHEN e.kind LIKE 'override%' THEN '' ELSE coalesce(e.old_state, '') END
                   AS old_state,
               CASE WHEN e.kind LIKE 'override%' THEN '' ELSE coalesce(e.new_state, '') END
                   AS new_state,
               count(*) AS n
          FROM lxtest.event t JOIN x USING (xact) JOIN lx.event e ON e.id = t.event_id
         WHERE e.kind IN ('confirm', 'revoke', 'feed', 'applicability', 'propose', 'unpropose',
                          'override_on', 'override_off')
         GROUP BY 1, 2, 3, 4, 5, 6
    ), imports AS (
        SELECT x.xact,
               (SELECT count(*) FROM lxtest.event t JOIN lx.event e ON e.id = t.event_id
                 WHERE t.xact = x.xact AND e.kind = 'import') AS events,
               (SELECT coalesce(sum(c.n), 0) FROM lxtest.change c
                 WHERE c.xact = x.xact AND c.what = 'student_insert' AND c.by_role = 'lx_app')
                   AS inserted_by_module,
               (SELECT coalesce(sum(c.n), 0) FROM lxtest.change c
                 WHERE c.xact = x.xact AND c.what IN ('student_insert', 'student_update'))
                   AS written
          FROM x
    )
    SELECT xact, what, student_id, step_id, old_state, new_state,
           coalesce(ch.n, 0), coalesce(ev.n, 0)
      FROM ch FULL JOIN ev USING (xact, what, student_id, step_id, old_state, new_state)
     WHERE coalesce(ch.n, 0) <> coalesce(ev.n, 0)
    UNION ALL
    SELECT i.xact, 'import', NULL, NULL, NULL, NULL, i.written, i.events
      FROM imports i
     WHERE i.events > 1 OR (i.inserted_by_module > 0 AND i.events <> 1)
        OR (i.events = 1 AND i.written = 0)
    UNION ALL
    SELECT t.xact, 'event gone', NULL, NULL, NULL, NULL, 0, t.event_id
      FROM lxtest.event t
     WHERE t.id > p_event AND NOT EXISTS (SELECT 1 FROM lx.event e WHERE e.id = t.event_id)
     ORDER BY 1, 2, 3, 4
$$;

-- The log as it was when the session began: compared again at its end.
CREATE TABLE lxtest.history AS
    SELECT count(*) AS n, coalesce(max(id), 0) AS last,
           md5(coalesce(string_agg(e::text, E'\n' ORDER BY e.id), '')) AS digest
      FROM lx.event e;
"""

HISTORY_INTACT = r"""
    SELECT h.n = c.n AND h.digest = c.digest
      FROM lxtest.history h,
           LATERAL (SELECT count(*) AS n,
                           md5(coalesce(string_agg(e::text, E'\n' ORDER BY e.id), '')) AS digest
                      FROM lx.event e WHERE e.id <= h.last) c
"""


def install(cluster):
    cluster.psql(INSTALL)


def marks(cluster):
    """Where the notes end now: (change id, event id)."""
    row = cluster.psql("SELECT coalesce((SELECT max(id) FROM lxtest.change), 0), "
                       "coalesce((SELECT max(id) FROM lxtest.event), 0)")[0]
    return int(row[0]), int(row[1])


class Auditor:
    """Checks what happened since the previous check."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.change, self.event = marks(cluster)

    def problems(self):
        change, event = marks(self.cluster)
        rows = self.cluster.psql(
            f"SELECT * FROM lxtest.problems({self.change}, {self.event})")
        self.change, self.event = change, event
        return rows

    def history_intact(self):
        return self.cluster.psql(HISTORY_INTACT)[0][0] == "t"


def describe(rows):
    head = "xact, what, student, step, old, new, changes, events"
    return "changes and events that do not match:\n" + head + "\n" + "\n".join(
        ", ".join(r) for r in rows)
