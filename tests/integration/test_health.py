"""/lx/health (issue 21, Operations): the probe of a balancer or a monitor.  No login, no
personal data, a small JSON document, 200 while the node can serve and 503 (with Retry-After)
when it cannot: the database away, or a schema that is not the module's."""
import time

from data import lx_app_statements
from lxenv import REPO
from test_read_pool import read_conninfo

KEYS = {"status", "database", "read_db", "schema", "schema_module", "schema_database"}


STUDENT = "2022010001"
# the schema the module was built for: the last sql/NNN_*.sql (Makefile.apxs)
MODULE_SCHEMA = max(p.stem for p in (REPO / "sql").glob("[0-9][0-9][0-9]_*.sql"))


def health(httpd, **kw):
    r = httpd.get("/lx/health", **kw)
    assert r.headers["Content-Type"] == "application/json; charset=utf-8", r.headers
    assert r.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in r.headers
    return r


def test_health_answers_without_credentials(httpd):
    r = health(httpd)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert set(doc) == KEYS, doc
    assert doc["status"] == "ok" and doc["database"] == "ok" and doc["read_db"] == "none"
    assert doc["schema"] == "ok"
    assert doc["schema_module"] == doc["schema_database"] == MODULE_SCHEMA
    # credentials change nothing: a wrong password is not even looked at
    assert health(httpd, user="2022010001", password="wrong").json() == doc
    assert health(httpd, headers={"Authorization": "Bearer nonsense"}).json() == doc
    head = httpd.request("HEAD", "/lx/health")
    assert head.status_code == 200 and head.content == b""
    post = httpd.request("POST", "/lx/health", data={"x": "1"})
    assert post.status_code == 405 and post.headers["Allow"] == "GET, HEAD"
    assert post.json()["error"]["code"] == "method_not_allowed"
    # the rest of /lx still asks for a login
    assert httpd.get("/lx/").status_code == 401
    assert httpd.get("/lx/health/more").status_code == 401


def test_a_probe_is_one_short_statement(httpd, env):
    """Cheap enough for a probe every second from each balancer: one statement of lx_app per
    probe, no stylesheet, a few hundred bytes; 200 probes well under a second each."""
    httpd.get("/lx/health")
    env.cluster.psql("SELECT pg_stat_statements_reset()")
    t0 = time.monotonic()
    answers = [httpd.get("/lx/health") for _ in range(200)]
    elapsed = time.monotonic() - t0
    assert {a.status_code for a in answers} == {200}
    assert lx_app_statements(env) == 200
    assert max(len(a.content) for a in answers) < 300
    print(f"\n200 probes in {elapsed:.2f} s ({elapsed / 200 * 1000:.2f} ms each)")
    assert elapsed < 20, elapsed


def test_health_reports_the_read_pool(httpd, env, logcheck):
    # prefer-standby without a standby: the read pool reaches the primary, reads go on
    with httpd.extra_conf("read", f'LixiaoReadDB "{read_conninfo(env)}"\n'):
        r = health(httpd)
        assert r.status_code == 200 and r.json()["read_db"] == "primary", r.text
    # no read server at all: reported, and the node still serves (reads fall back)
    logcheck.expect(r"LX0111: LixiaoReadDB: cannot connect")
    gone = env.base / "no-such-standby"
    with httpd.extra_conf("read", f'LixiaoReadDB "{read_conninfo(env, host=gone)}"\n'):
        r = health(httpd)
        assert r.status_code == 200 and r.json()["read_db"] == "unavailable", r.text
        assert r.json()["status"] == "ok"


def test_health_is_503_while_the_database_is_down(httpd, env, logcheck):
    logcheck.expect(r"LX0101|LX0104|AH00629|AH00633|AH00630|AH00631|AH00632")
    logcheck.expect(r"\[dbd:(error|crit)\]")
    try:
        env.cluster.stop()
        r = health(httpd)
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "30"
        doc = r.json()
        assert doc["status"] == "unavailable" and doc["database"] == "unavailable", doc
        assert doc["schema"] == "unknown" and doc["schema_database"] is None, doc
    finally:
        env.cluster.start()
    deadline = time.time() + 10
    while health(httpd).status_code != 200 and time.time() < deadline:
        time.sleep(0.2)
    assert health(httpd).json()["status"] == "ok"


# ---- the schema version check ---------------------------------------------------------------

def until(check, seconds=5):
    deadline = time.time() + seconds
    while not check() and time.time() < deadline:
        time.sleep(0.1)
    return check()


def lines_with(httpd, offset, code):
    return [line for line in httpd.log_since(offset) if f"{code}: " in line]


def refused_everywhere(httpd):
    """Every kind of request that opens the database gets 503 with Retry-After."""
    page = httpd.get("/lx/", user=STUDENT)
    assert page.status_code == 503 and page.headers["Retry-After"] == "30", page.text[:300]
    assert page.text.startswith("<!DOCTYPE html>")
    desk = httpd.get("/lx/op", user="op_library")
    assert desk.status_code == 503 and desk.headers["Retry-After"] == "30"
    api = httpd.get(f"/lx/api/v1/students/{STUDENT}/status", user=STUDENT)
    assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"


def test_a_newer_schema_is_refused_until_it_is_gone(httpd, env, logcheck):
    logcheck.expect(r"LX0115: ")
    offset = httpd.log_size()
    assert httpd.get("/lx/", user=STUDENT).status_code == 200
    env.cluster.psql("INSERT INTO public.lx_migration (version) VALUES ('999_from_the_future')")
    try:
        r = health(httpd)
        assert r.status_code == 503 and r.headers["Retry-After"] == "30", r.text
        assert r.json() == {"status": "unavailable", "database": "ok", "read_db": "none",
                            "schema": "newer", "schema_module": MODULE_SCHEMA,
                            "schema_database": "999_from_the_future"}
        # the probe has told the process: every request is refused at once
        refused_everywhere(httpd)
        assert health(httpd).status_code == 503
        lines = lines_with(httpd, offset, "LX0115")
        # logged when first seen, not on every request or probe
        assert len(lines) == 1, lines
        assert "[lixiao:error]" in lines[0]
        assert (f"database schema 999_from_the_future is newer than this module's "
                f"{MODULE_SCHEMA}: install the mod_lixiao whose sql/ ends with "
                f"999_from_the_future") in lines[0], lines[0]
    finally:
        env.cluster.psql("DELETE FROM public.lx_migration WHERE version = '999_from_the_future'")
    # a second later the pages are served again, without a probe in between
    assert until(lambda: httpd.get("/lx/", user=STUDENT).status_code == 200)
    assert health(httpd).json()["schema"] == "ok"


def test_an_older_schema_names_the_migration_command(httpd, env, logcheck):
    logcheck.expect(r"LX0114: ")
    offset = httpd.log_size()
    (last, at), = env.cluster.psql("SELECT version, applied_at FROM public.lx_migration "
                                   "ORDER BY version DESC LIMIT 1")
    assert last == MODULE_SCHEMA
    env.cluster.psql(f"DELETE FROM public.lx_migration WHERE version = '{last}'")
    try:
        r = health(httpd)
        assert r.status_code == 503 and r.json()["schema"] == "older", r.text
        before = env.cluster.psql("SELECT max(version) FROM public.lx_migration")[0][0]
        assert r.json()["schema_database"] == before < MODULE_SCHEMA
        refused_everywhere(httpd)
        line, = lines_with(httpd, offset, "LX0114")
        assert (f"database schema {before} is older than this module's {MODULE_SCHEMA}: bring "
                f"it up to date with /usr/share/mod_lixiao/scripts/migrate.sh "
                f"{env.cluster.sock} lixiao;") in line, line
    finally:
        env.cluster.psql(f"INSERT INTO public.lx_migration (version, applied_at) "
                         f"VALUES ('{last}', '{at}')")
    assert until(lambda: httpd.get("/lx/", user=STUDENT).status_code == 200)


def test_an_unreadable_schema_version_is_refused(httpd, env, logcheck):
    """A database that this version's migrate.sh never ran on: lx_app may not read
    public.lx_migration (or it does not exist)."""
    logcheck.expect(r"LX0116: |LX0105: database error \(SQLSTATE 42501\)")
    offset = httpd.log_size()
    env.cluster.psql("REVOKE SELECT ON public.lx_migration FROM lx_app")
    try:
        r = health(httpd)
        assert r.status_code == 503, r.text
        assert r.json()["schema"] == "unreadable" and r.json()["schema_database"] is None
        refused_everywhere(httpd)
        line, = lines_with(httpd, offset, "LX0116")
        assert ("SQLSTATE 42501): run /usr/share/mod_lixiao/scripts/migrate.sh "
                f"{env.cluster.sock} lixiao") in line, line
    finally:
        env.cluster.psql("GRANT SELECT ON public.lx_migration TO lx_app")
    assert until(lambda: httpd.get("/lx/", user=STUDENT).status_code == 200)
