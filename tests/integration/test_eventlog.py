"""The event log: the module's role may read it and nothing else, not even through the
functions it may call (the door's functions write it, with the change each event records);
every change the module makes is in it exactly once (eventaudit.py
checks that after every test of the suite; here each path of change is taken once over HTTP,
and the check is shown to see a missing and a doubled event)."""
import re
import subprocess
import uuid

import pytest

from data import make_class
from desk import batch, confirm, revoke, post
from test_api import feed, tokens  # noqa: F401 (a fixture)
from test_deferral_admin import admin, deferral, unpaid_student
from test_import import HEADER_ZH, row, upload

LOG_DIGEST = ("SELECT count(*), coalesce(max(id), 0), "
              "md5(coalesce(string_agg(e::text, '|' ORDER BY id), '')) FROM lx.event e")


def test_the_module_connects_as_lx_app(httpd, env):
    assert httpd.get("/lx/", user="2022010001").status_code == 200
    roles = env.cluster.psql("SELECT DISTINCT usename FROM pg_stat_activity "
                             "WHERE application_name = 'mod_lixiao'")
    assert roles == [["lx_app"]]
    attrs = env.cluster.psql("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, "
                             "rolreplication FROM pg_roles WHERE rolname = 'lx_app'")
    assert attrs == [["f", "f", "f", "f", "f"]]
    member_of = env.cluster.psql("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r "
                                 "ON r.oid = m.member WHERE r.rolname = 'lx_app'")
    assert member_of == [["0"]]


# Each statement is tried as lx_app with the password the module's configuration holds.
# GRANT by a role without the right only warns: the UPDATE after it is what must fail.
ALTERATIONS = [
    "INSERT INTO lx.event (kind, login, student_id, step_id, how, old_state, new_state) "
    "VALUES ('confirm', 'op_library', 1, 1, 'individual', 'pending', 'done')",
    "COPY lx.event (kind, login) FROM STDIN",
    "SELECT nextval('lx.event_id_seq')",
    "UPDATE lx.event SET note = 'rewritten'",
    "UPDATE lx.event SET note = note WHERE false",
    "UPDATE lx.event SET login = 'someone else' WHERE id = (SELECT max(id) FROM lx.event)",
    "DELETE FROM lx.event",
    "DELETE FROM lx.event WHERE id = (SELECT max(id) FROM lx.event)",
    "WITH d AS (DELETE FROM lx.event RETURNING id) SELECT count(*) FROM d",
    "TRUNCATE lx.event",
    "TRUNCATE ONLY lx.event",
    "TRUNCATE lx.event RESTART IDENTITY CASCADE",
    "INSERT INTO lx.event (id, kind, login) SELECT id, kind, login FROM lx.event "
    "ON CONFLICT (id) DO UPDATE SET note = 'rewritten'",
    "MERGE INTO lx.event e USING (SELECT max(id) AS id FROM lx.event) m ON e.id = m.id "
    "WHEN MATCHED THEN DELETE",
    "ALTER TABLE lx.event DISABLE TRIGGER event_no_update",
    "ALTER TABLE lx.event DISABLE TRIGGER ALL",
    "DROP TRIGGER event_no_truncate ON lx.event",
    "DROP TABLE lx.event",
    "ALTER TABLE lx.event RENAME TO event_old",
    "ALTER TABLE lx.event ALTER COLUMN note SET DEFAULT 'x'",
    "CREATE RULE keep AS ON INSERT TO lx.event DO INSTEAD NOTHING",
    "CREATE TABLE lx.event_shadow (LIKE lx.event)",
    "SELECT setval('lx.event_id_seq', 1)",
    "ALTER SEQUENCE lx.event_id_seq RESTART",
    "SET session_replication_role = replica; DELETE FROM lx.event",
    "SET ROLE lx_owner; DELETE FROM lx.event",
    "ALTER ROLE lx_app SUPERUSER",
    "GRANT UPDATE, DELETE, TRUNCATE ON lx.event TO lx_app; UPDATE lx.event SET note = 'x'",
]


@pytest.mark.parametrize("sql", ALTERATIONS)
def test_the_module_role_cannot_alter_the_event_log(env, sql):
    before = env.cluster.psql(LOG_DIGEST)
    r = env.cluster.app_psql(sql, check=False)
    assert r.returncode != 0, sql
    assert re.search(r"permission denied|must be owner|must be superuser|"
                     r"must be a member|only superusers", r.stderr), r.stderr
    assert env.cluster.psql(LOG_DIGEST) == before


def test_the_module_role_reads_the_log(env):
    r = env.cluster.app_psql("SELECT count(*) FROM lx.event")
    assert r.stdout.strip() == env.cluster.psql("SELECT count(*) FROM lx.event")[0][0]


@pytest.mark.parametrize("sql", ["UPDATE lx.event SET note = 'x'", "DELETE FROM lx.event",
                                 "TRUNCATE lx.event"])
def test_even_the_owner_cannot_rewrite_history(env, sql):
    before = env.cluster.psql(LOG_DIGEST)
    with pytest.raises(subprocess.CalledProcessError) as refused:
        env.cluster.psql("SET ROLE lx_owner; " + sql)
    assert "the event log is append-only" in refused.value.stderr
    assert env.cluster.psql(LOG_DIGEST) == before


def test_no_function_the_module_may_call_rewrites_the_log(env):
    """The SECURITY DEFINER functions run as the owner: none may run SQL it was given, nor
    touch the log otherwise than by INSERT."""
    rows = env.cluster.psql(r"""
        SELECT p.oid::regprocedure
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'lx' AND p.prosecdef
           AND has_function_privilege('lx_app', p.oid, 'EXECUTE')
           AND (p.prosrc ~* '\mEXECUTE\s+(format|''|\$|[a-z_]+\s*(;|USING))'
                OR p.prosrc ~* '(UPDATE|DELETE\s+FROM|TRUNCATE)\s+(TABLE\s+)?(ONLY\s+)?(lx\.)?event\M'
                OR p.prosrc ~* 'ALTER\s+TABLE|DISABLE\s+TRIGGER|session_replication_role')""")
    assert rows == []
    definers = env.cluster.psql("""
        SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'lx' AND p.prosecdef""")
    assert int(definers[0][0]) > 10          # the query looked at the real functions
    # and every one of them pins its search_path (a temporary table cannot stand in for ours)
    loose = env.cluster.psql("""
        SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'lx' AND p.prosecdef
           AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')""")
    assert loose == []


# ---- exactly once ---------------------------------------------------------------------------

def problems_in_rolled_back(env, sql):
    """lxtest.problems() of a transaction that does sql, rolled back (what sql itself
    selects is left out: one column)."""
    return [r for r in env.cluster.psql(f"""
        BEGIN;
        CREATE TEMP TABLE m AS SELECT coalesce(max(id), 0) AS c,
            (SELECT coalesce(max(id), 0) FROM lxtest.event) AS e FROM lxtest.change;
        {sql};
        RESET ROLE;
        SELECT what, changes, events FROM lxtest.problems((SELECT c FROM m), (SELECT e FROM m));
        ROLLBACK;""") if len(r) == 3]


def test_the_check_sees_a_missing_and_a_doubled_event(env):
    _, (a, b) = make_class(env, "02", 2)
    step = "(SELECT id FROM lx.step WHERE code = 'student_card')"
    ids = f"ARRAY(SELECT id FROM lx.student WHERE student_no IN ('{a}', '{b}'))"
    # a state written behind the door's back
    assert problems_in_rolled_back(env, f"""
        UPDATE lx.step_state SET state = 'done', how = 'class', by_login = 'x', at = now()
         WHERE step_id = {step} AND student_id = ANY ({ids})""") == [["state", "1", "0"]] * 2
    # through the door, then the same event appended once more
    assert problems_in_rolled_back(env, f"""
        SET ROLE lx_owner;
        SELECT count(*) FROM lx.change('confirm', {step}, {ids}, 'class', 'admin');
        INSERT INTO lx.event (kind, login, student_id, point_id, step_id, how, old_state,
                              new_state)
        SELECT kind, login, student_id, point_id, step_id, how, old_state, new_state
          FROM lx.event ORDER BY id DESC LIMIT 1""") == [["state", "1", "2"]]
    # a gate lifted without its event
    assert problems_in_rolled_back(env, f"""
        INSERT INTO lx.override (student_id, step_id, by_login)
        SELECT s.id, st.id, 'deferral' FROM lx.student s, lx.step st
         WHERE s.student_no = '{a}' AND st.code = 'arrears'""") == [["override_on", "1", "0"]]
    # a roster logged twice
    assert problems_in_rolled_back(env, f"""
        UPDATE lx.student SET name = name WHERE student_no = '{a}';
        INSERT INTO lx.event (kind, login) VALUES ('import', 'x'), ('import', 'x')""") \
        == [["import", "1", "2"]]
    # and the door itself, rolled back, is clean
    assert problems_in_rolled_back(env, f"""
        SET ROLE lx_owner;
        SELECT count(*) FROM lx.change('confirm', {step}, {ids}, 'class', 'admin')""") == []


def kinds_since(env, marks):
    return {k: int(n) for k, n in env.cluster.psql(f"""
        SELECT what, sum(n) FROM lxtest.change WHERE id > {marks[0]} GROUP BY 1""")}


def events_of(env, rid):
    return [k for (k,) in env.cluster.psql(
        f"SELECT kind FROM lx.event WHERE request_id = '{rid}' OR request_id LIKE '{rid}:%' "
        f"ORDER BY id")]


def test_every_path_of_change_is_logged_once(httpd, env, tokens):  # noqa: F811
    env.auditor.problems()                   # what came before is another test's
    start = (env.auditor.change, env.auditor.event)
    _, nos = make_class(env, "03", 4, party_member=True, borrowed_switch=True,
                        source_loan=True)

    # the desk: one student, a class batch, a revoke, the whole scope
    rid = uuid.uuid4().hex
    assert confirm(httpd, "op_college_03", "college:03", nos[0], ["party_transfer"],
                   rid=rid).status_code == 200
    assert events_of(env, rid) == ["confirm"]
    rid = uuid.uuid4().hex
    r = batch(httpd, "op_student_affairs", "student_affairs", nos[0], "student_card", "class",
              nos, rid=rid)
    assert r.status_code == 200
    assert events_of(env, rid) == ["confirm"] * 4
    # the same form again changes and logs nothing
    r = batch(httpd, "op_student_affairs", "student_affairs", nos[0], "student_card", "class",
              nos, rid=rid)
    assert r.status_code == 200 and events_of(env, rid) == ["confirm"] * 4
    rid = uuid.uuid4().hex
    assert revoke(httpd, "op_college_03", "college:03", nos[0], "party_transfer",
                  rid=rid).status_code == 200
    assert events_of(env, rid) == ["revoke"]
    rid = uuid.uuid4().hex
    r = post(httpd, "op_network", "/lx/op/confirm",
             {"at": "network", "how": "individual", "s": nos[1], "step.switch_return": "1"},
             rid=rid)
    assert r.status_code == 200 and events_of(env, rid) == ["confirm"]

    # the deferral point: a gate lifted and put back
    s = unpaid_student(env, "03")
    assert deferral(httpd, "deferral", "close", s, note="缓交证明 L-1").status_code == 303
    assert deferral(httpd, "deferral", "open", s).status_code == 303

    # the feeds: the library clears a step, the bank proposes one
    r = feed(httpd, "library", {"records": [{"student_no": n, "loans": 0, "fines": 0}
                                            for n in nos]}, tokens["library"])
    assert r.status_code == 200 and r.json()["changed"] == 4
    r = feed(httpd, "bank", {"records": [{"student_no": nos[2], "repaid": True}]},
             tokens["bank"])
    assert r.status_code == 200

    # a rule changed by the administrator: states become not applicable, then again pending
    env.cluster.psql(f"UPDATE lx.student SET borrowed_switch = false "
                     f"WHERE student_no = '{nos[3]}'")
    env.cluster.psql(f"""SET ROLE lx_owner; SELECT lx.sync_steps(
        ARRAY(SELECT id FROM lx.student WHERE student_no = '{nos[3]}'), 'admin')""")

    # a roster of two: one new student, one updated
    mine = {"cls": "EVL-1", "cls_name": "日志1班", "building": "E1栋"}
    r = upload(httpd, "\n".join([HEADER_ZH, row("2026770001", **mine),
                                 row("2026770002", **mine)]).encode())
    assert r.status_code == 200, r.text[-500:]
    r = upload(httpd, "\n".join([HEADER_ZH, row("2026770001", name="改名", **mine),
                                 row("2026770003", **mine)]).encode())
    assert r.status_code == 200, r.text[-500:]

    seen = kinds_since(env, start)
    assert seen.get("state", 0) >= 1 + 4 + 1 + 1 + 4 + 1    # every change above was noted
    assert seen.get("override_on") == 1 and seen.get("override_off") == 1
    assert seen.get("propose") == 1
    assert seen.get("student_insert", 0) >= 3
    assert env.auditor.problems() == []
