"""httpd reloaded (apachectl -k graceful) while students load their pages: the parent unloads
and loads the module again, and with it points libxml2's entity loader away from the old code
and at the new (lx_xslt.c).  Every request is answered, no child dies."""
import re
import threading
import time

from lxenv import httpd_env, run

STUDENTS = ["2022010001", "2022010002", "2022010003"]


def one_generation(httpd, seconds=90):
    """Waits until the children of the previous generation have exited (ServerLimit 2 has room
    for one old and one new; under make test-asan an exiting child first has LeakSanitizer
    scan its 1,100 thread stacks)."""
    deadline = time.time() + seconds
    while len(httpd.pids()[1]) > 1 and time.time() < deadline:
        time.sleep(0.2)
    assert len(httpd.pids()[1]) == 1, httpd.pids()


def test_graceful_restarts_under_load(env, httpd, logcheck):
    offset = httpd.log_size()
    stop = threading.Event()
    seen = []

    def load(n):
        while not stop.is_set():
            try:
                r = httpd.get("/lx/", user=STUDENTS[n % len(STUDENTS)], timeout=15)
                seen.append(r.status_code if "毕业生离校单" in r.text else repr(r.text[:80]))
            except Exception as e:            # a refused or reset connection fails the test
                seen.append(repr(e))

    threads = [threading.Thread(target=load, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    try:
        for _ in range(3):
            time.sleep(1)
            run(["apache2", "-f", str(httpd.conf), "-k", "graceful"], env=httpd_env())
            time.sleep(1)
            one_generation(httpd)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert len(seen) > 20, seen
    assert set(seen) == {200}, {s for s in seen if s != 200}
    log = "\n".join(httpd.log_since(offset))
    assert len(re.findall(r"AH00493", log)) == 3, log     # three graceful restarts happened
    assert "exit signal" not in log, log                   # no child crashed
    # the reloaded module serves the same page
    statuses = [httpd.get("/lx/", user=s).status_code for s in STUDENTS]
    assert statuses == [200] * len(STUDENTS)
