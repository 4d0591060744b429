"""The request id (issue 21, Operations): the 请求编号 that an error page shows is httpd's log id
of the request (r->log_id), and both logs carry it (%L in ErrorLogFormat and LogFormat), so
that what a person reports leads to that request's lines."""
import re
import time

from lxenv import REPO

STUDENT = "2022010001"


def request_id(page):
    ids = set(re.findall(r"请求编号 <code>([^<]+)</code>", page.text))
    assert len(ids) == 1, page.text[-800:]
    return ids.pop()


def access_lines(env, rid, seconds=5):
    """The access log's lines that end with the request id (written after the answer went
    out: waited for)."""
    log = env.base / "log" / "access_log"
    deadline = time.time() + seconds
    while True:
        found = [line for line in log.read_text().splitlines() if line.endswith(" " + rid)]
        if found or time.time() > deadline:
            return found
        time.sleep(0.1)


def test_the_request_id_of_an_error_page_is_in_both_logs(httpd, env, logcheck):
    logcheck.expect(r"LX0101|LX0104|AH00629|AH00633|AH00630|AH00631|AH00632")
    logcheck.expect(r"\[dbd:(error|crit)\]")
    offset = httpd.log_size()
    try:
        env.cluster.stop()
        page = httpd.get("/lx/", user=STUDENT)
    finally:
        env.cluster.start()
    assert page.status_code == 503
    rid = request_id(page)
    errors = [line for line in httpd.log_since(offset) if line.endswith(f" [request {rid}]")]
    assert errors and all("[lixiao:error]" in e or "[dbd:" in e for e in errors), errors
    assert any(re.search(r"LX010[14]: database unavailable", e) for e in errors), errors
    access = access_lines(env, rid)
    assert len(access) == 1 and '"GET /lx/ HTTP/1.1" 503 ' in access[0], access
    # the id is this request's alone
    other = request_id(httpd.get("/lx/nope", user=STUDENT))
    assert other != rid and access_lines(env, other)


def test_lines_without_a_request_have_no_id(httpd, env):
    """Start-up lines (no request) keep httpd's format, without an empty field."""
    text = httpd.error_log.read_text()
    startup = [line for line in text.splitlines() if "AH00489" in line]
    assert startup and "[request" not in startup[-1], startup


def test_production_and_tests_log_the_same_way():
    """conf/lixiao.conf's ErrorLogFormat is the one this test's httpd runs with; its access log
    format ends with %L like the tests' own."""
    def directive(path, name):
        return re.findall(rf"^{name} (.*)$", (REPO / path).read_text(), re.M)

    prod = directive("conf/lixiao.conf", "ErrorLogFormat")
    assert prod and prod == directive("conf/httpd-dev.conf.in", "ErrorLogFormat")
    assert prod[0].endswith(r'% \ [request\ %L]"')
    fmt, = directive("conf/lixiao.conf", "LogFormat")
    assert fmt.endswith('%L" lixiao'), fmt
    glob, = directive("conf/lixiao.conf", "GlobalLog")
    assert glob.startswith("${APACHE_LOG_DIR}/lixiao_access.log lixiao "), glob


# ---- PostgreSQL's log ------------------------------------------------------------------------

def pg_log_size(env):
    return (env.base / "log" / "postgresql.log").stat().st_size


def pg_log_since(env, offset):
    with open(env.base / "log" / "postgresql.log", "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace").splitlines()


def test_new_connections_log_no_error_in_postgresql(httpd, env, logcheck):
    """The module's named statements are prepared before their first execution on a
    connection, new (httpd restarted) or reset (PostgreSQL restarted): PostgreSQL no longer logs
    'prepared statement "lx_..." does not exist' for each of them."""
    logcheck.expect(r"LX0104|AH00629|\[dbd:(error|crit)\]")
    offset = pg_log_size(env)
    httpd.stop()
    httpd.start()
    pages = ["/lx/", "/lx/?format=xml", f"/lx/api/v1/students/{STUDENT}/status"]
    for _ in range(3):
        assert [httpd.get(p, user=STUDENT).status_code for p in pages] == [200] * 3
        assert httpd.get("/lx/op", user="op_library").status_code == 200
        assert httpd.get("/lx/health").status_code == 200
    env.cluster.restart()
    statuses = [httpd.get(p, user=STUDENT).status_code for _ in range(5) for p in pages]
    assert statuses == [200] * 15, statuses
    assert httpd.get("/lx/health").status_code == 200
    errors = [line for line in pg_log_since(env, offset)
              if "ERROR" in line and "lx_app@" in line]
    assert not errors, "\n".join(errors)
