"""PostgreSQL away and back: 503 with Retry-After at once, and recovery without restarting
httpd, while idle and under load."""
import threading
import time

STUDENT = "2022010001"


def test_database_down_gives_503_at_once(env, httpd, logcheck):
    logcheck.expect(r"LX0101|LX0104|AH00629|AH00633|AH00630|AH00631|AH00632")
    logcheck.expect(r"\[dbd:(error|crit)\]")
    try:
        env.cluster.stop()
        for _ in range(3):
            t0 = time.monotonic()
            r = httpd.get("/lx/", user=STUDENT)
            elapsed = time.monotonic() - t0
            assert r.status_code == 503
            assert r.headers["Retry-After"] == "30"
            assert "数据库暂时无法连接" in r.text and r.text.startswith("<!DOCTYPE html>")
            # connect_timeout is 3 s; a missing socket must not even wait that long
            assert elapsed < 3, elapsed
    finally:
        env.cluster.start()
    assert wait_for_200(httpd) == 200


def wait_for_200(httpd, seconds=10):
    deadline = time.time() + seconds
    status = None
    while time.time() < deadline:
        status = httpd.get("/lx/", user=STUDENT).status_code
        if status == 200:
            return status
        time.sleep(0.2)
    return status


def test_restart_while_idle_recovers_without_httpd_restart(env, httpd, logcheck):
    logcheck.expect(r"LX0104|AH00629|\[dbd:(error|crit)\]")
    # warm the pool: several connections in several children
    for _ in range(20):
        assert httpd.get("/lx/", user=STUDENT).status_code == 200
    env.cluster.restart()
    # the pooled connections are dead now; the very next requests are served
    statuses = [httpd.get("/lx/", user=STUDENT).status_code for _ in range(20)]
    assert statuses == [200] * 20, statuses


def test_restart_under_load(env, httpd, logcheck):
    logcheck.expect(r"LX0101|LX0104|AH0062\d|AH0063\d|\[dbd:(error|crit)\]")
    stop = threading.Event()
    seen = []

    def load():
        while not stop.is_set():
            try:
                seen.append(httpd.get("/lx/", user=STUDENT, timeout=15).status_code)
            except Exception as e:            # a refused connection would be a failure too
                seen.append(repr(e))

    threads = [threading.Thread(target=load) for _ in range(6)]
    for t in threads:
        t.start()
    try:
        time.sleep(1)
        env.cluster.restart()
        time.sleep(2)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert seen, "no request was made"
    assert set(seen) <= {200, 503}, set(seen)
    # after the restart everything is served again
    statuses = [httpd.get("/lx/", user=STUDENT).status_code for _ in range(20)]
    assert statuses == [200] * 20, statuses
