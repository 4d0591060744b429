"""The read pool (LixiaoReadDB, issue 10) on one machine: which requests use it, the
read-your-writes cookie, the fall-back to the primary, and the refused setting.  Reads on a
real standby, its "as of" and failover are in test_cluster.py."""
import re
import time

from data import make_class
from desk import batch, csrf_of

READ_APP = "lixiao_read"


def read_conninfo(env, host=None):
    return (f"host={host or env.cluster.sock} dbname=lixiao user=lx_app "
            f"password={env.cluster.dbpass} connect_timeout=3 application_name={READ_APP} "
            f"target_session_attrs=prefer-standby")


def last_read(env):
    """When the read pool's connections last started a statement (None: no connection)."""
    return env.cluster.psql(f"SELECT max(query_start) FROM pg_stat_activity "
                            f"WHERE application_name = '{READ_APP}'")[0][0] or None


def read_pool_used(env, do):
    before = last_read(env)
    time.sleep(0.01)
    do()
    return last_read(env) != before


def test_pages_that_only_read_use_the_read_pool(httpd, env):
    with httpd.extra_conf("read", f'LixiaoReadDB "{read_conninfo(env)}"\n'):
        s = "2022010002"
        assert read_pool_used(env, lambda: httpd.get("/lx/", user=s))
        assert read_pool_used(env, lambda: httpd.get(f"/lx/student/{s}", user="admin"))
        assert read_pool_used(env, lambda: httpd.get("/lx/stats", user="admin"))
        assert read_pool_used(env, lambda: httpd.get(f"/lx/api/v1/students/{s}/status",
                                                     user=s))
        # the desks, and everything that writes, stay on the primary
        assert not read_pool_used(env, lambda: httpd.get("/lx/op", user="admin"))
        assert not read_pool_used(env, lambda: httpd.get("/lx/admin", user="admin"))
        # the primary is no standby: no "as of" on the page, none in the JSON
        page = httpd.get("/lx/", user=s)
        assert page.status_code == 200 and "数据截至" not in page.text
        api = httpd.get(f"/lx/api/v1/students/{s}/status", user=s).json()
        assert api["as_of"] is None


def test_whoever_changed_something_reads_from_the_primary_for_a_while(httpd, env):
    _, nos = make_class(env, "05", 3)
    user = "op_student_affairs"
    with httpd.extra_conf("read", f'LixiaoReadDB "{read_conninfo(env)}"\n'
                                  "LixiaoReadAfterWrite 7\n"):
        csrf = csrf_of(httpd, user)
        t0 = int(time.time())
        r = batch(httpd, user, "student_affairs", nos[0], "student_card", "class", nos,
                  csrf=csrf)
        assert r.status_code == 200
        cookie = r.headers["Set-Cookie"]
        m = re.fullmatch(r"lx_fresh=(\d+);Max-Age=7;Path=/lx/;HttpOnly;SameSite=Lax",
                         cookie)
        assert m, cookie
        assert t0 + 7 <= int(m.group(1)) <= int(time.time()) + 7
        fresh = {"Cookie": f"lx_fresh={m.group(1)}"}
        # with the cookie the operator's next reads go to the primary, on any node
        assert not read_pool_used(env, lambda: httpd.get(f"/lx/student/{nos[0]}", user=user,
                                                         headers=fresh))
        # an expired or malformed cookie changes nothing
        for stale in (f"lx_fresh={t0 - 1}", "lx_fresh=soon", "lx_fresh="):
            assert read_pool_used(env, lambda: httpd.get(f"/lx/student/{nos[0]}", user=user,
                                                         headers={"Cookie": stale}))
        # a refused form (a bad CSRF token) changed nothing: no cookie
        r = batch(httpd, user, "student_affairs", nos[0], "student_card", "class", nos,
                  csrf="0.bad")
        assert r.status_code == 403 and "Set-Cookie" not in r.headers


def test_without_a_read_server_pages_read_from_the_primary(httpd, env, logcheck):
    logcheck.expect(r"LX0111: LixiaoReadDB: cannot connect")
    gone = env.base / "no-such-standby"
    with httpd.extra_conf("read", f'LixiaoReadDB "{read_conninfo(env, host=gone)}"\n'):
        r = httpd.get("/lx/", user="2022010002")
        assert r.status_code == 200 and "数据截至" not in r.text
        assert httpd.get("/lx/stats", user="admin").status_code == 200


def test_no_cookie_without_a_read_pool(httpd, env):
    _, nos = make_class(env, "05", 1)
    r = batch(httpd, "op_student_affairs", "student_affairs", nos[0], "student_card",
              "class", nos)
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
