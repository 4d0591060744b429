"""/lx/health (issue 21, Operations): the probe of a balancer or a monitor.  No login, no
personal data, a small JSON document, 200 while the node can serve and 503 (with Retry-After)
when it cannot: the database away, or a schema that is not the module's."""
import time

from test_read_pool import read_conninfo

KEYS = {"status", "database", "read_db"}


def health(httpd, **kw):
    r = httpd.get("/lx/health", **kw)
    assert r.headers["Content-Type"] == "application/json; charset=utf-8", r.headers
    assert r.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in r.headers
    return r


def statements_of_lx_app(env):
    return int(env.cluster.psql("""
        SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s
          JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = 'lx_app'""")[0][0])


def test_health_answers_without_credentials(httpd):
    r = health(httpd)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert set(doc) == KEYS, doc
    assert doc["status"] == "ok" and doc["database"] == "ok" and doc["read_db"] == "none"
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
    assert statements_of_lx_app(env) == 200
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
    finally:
        env.cluster.start()
    deadline = time.time() + 10
    while health(httpd).status_code != 200 and time.time() < deadline:
        time.sleep(0.2)
    assert health(httpd).json()["status"] == "ok"
