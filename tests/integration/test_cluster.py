"""Beyond one machine (issue 10, docs/operation.md "Large installations"): two httpd nodes behind a
mod_proxy_balancer httpd, a PostgreSQL primary and a synchronous standby made by
pg_basebackup, all on loopback in an environment of this module's own (clusterenv.py).

Desks confirm and revoke class batches through the balancer (a form answered 503 is sent
again with its request id) while (a) a node is stopped and started, and (b) the primary dies
and the standby is promoted.  Afterwards every acknowledged change is in the database exactly
once, the only failures the desks saw are 503 with Retry-After, the nodes were not restarted,
and service returned within 30 s of the promotion.  The student page, the status API and the
dashboard read from the standby (LixiaoReadDB): they say how current they are, whoever has
just acted reads from the primary, and they stay up while the primary is away.  The measured figures go to
build/cluster.json for the closing notes."""
import contextlib
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
import requests

from clusterenv import READ_APP, ClusterEnv
from data import make_class
from desk import batch, csrf_of, outcomes
from lxenv import running, unexpected_lines
from operators import REPO, Operators, first_served, record

STEP = "student_card"
POINT = "student_affairs"
USER = "op_student_affairs"
STUDENT = "2022010001"
FIGURES = REPO / "build" / "cluster.json"
# a node while the database is away or read-only: the module's 503s and mod_dbd's complaints
DB_OUTAGE = r"LX0101|LX0104|LX0110|AH006\d\d|\[dbd:(error|crit)\]"
# the balancer while a node is stopped: the connect is refused (AH00957), the member is set
# aside for retry=1 s (AH00959), and mod_proxy_http says it could not connect (AH01114); the
# request then goes to the other member
NODE_REFUSED = r"AH00957|AH00959|AH01114"
# the balancer with no member left: each refuses (NODE_REFUSED), or, while every member is set
# aside, "All workers are in error state" (AH01170); a member that broke off before its answer:
# "error reading status line" (AH01102) and "Error reading from remote server" (AH00898)
NO_MEMBER = r"AH01170"
BROKE_OFF = r"AH01102|AH00898"


@pytest.fixture(scope="module")
def cluster_env():
    with running(ClusterEnv()) as e:
        yield e


@pytest.fixture
def site(cluster_env):
    """The cluster, with every httpd's error log read after the test: a warning or an error
    that the test did not announce in site.expect.nodes / .front fails it."""
    cluster_env.expect = SimpleNamespace(nodes=[], front=[])
    offsets = [(h, h.log_size()) for h in cluster_env.httpds()]
    yield cluster_env
    unexpected = []
    for h, offset in offsets:
        patterns = cluster_env.expect.front if h is cluster_env.balancer \
            else cluster_env.expect.nodes
        unexpected += [f"{h.base.name}: {line}" for line in
                       unexpected_lines(h, offset, [re.compile(p) for p in patterns])]
    assert not unexpected, "unexpected lines in the error logs:\n" + "\n".join(unexpected)


def classes(env, n=3):
    return [make_class(env, "05", 12)[1] for _ in range(n)]


def desks(env, nos_lists):
    """Operators at work through the balancer, as browsers on its origin."""
    front = env.balancer
    return Operators(front, USER, POINT, STEP, nos_lists, csrf_of(front, USER),
                     headers={"Origin": front.url})


def served_since(httpd, offset):
    """Requests in httpd's access log after byte offset."""
    with open(httpd.base / "log" / "access_log", "rb") as f:
        f.seek(offset)
        return len(f.read().splitlines())


def access_size(httpd):
    return (httpd.base / "log" / "access_log").stat().st_size


def test_token_of_one_node_is_accepted_by_the_other(site):
    node1, node2 = site.nodes
    [nos] = classes(site, 1)
    r = batch(node2, USER, POINT, nos[0], STEP, "class", nos, csrf=csrf_of(node1, USER))
    assert r.status_code == 200, r.text[:300]
    assert {o for _, _, o, _ in outcomes(r)} == {"ok"}
    r = batch(node1, USER, POINT, nos[0], STEP, "class", nos, action="revoke",
              csrf=csrf_of(node2, USER))
    assert r.status_code == 200, r.text[:300]
    assert {o for _, _, o, _ in outcomes(r)} == {"ok"}
    # and through the balancer, with the browser's Origin: the nodes see the Host it named
    front = site.balancer
    r = batch(front, USER, POINT, nos[0], STEP, "class", nos, csrf=csrf_of(front, USER),
              headers={"Origin": front.url})
    assert r.status_code == 200, r.text[:300]
    r = batch(front, USER, POINT, nos[0], STEP, "class", nos, csrf=csrf_of(front, USER),
              headers={"Origin": "http://elsewhere.example"})
    assert r.status_code == 403


def test_a_browser_stays_on_its_node(site):
    """The balancer's LXROUTE cookie keeps a browser on one node (where mod_auth_cas would
    keep its session); a client without cookies is spread over both."""
    front, nodes = site.balancer, site.nodes
    s = requests.Session()
    s.auth = (STUDENT, "demo")
    assert s.get(front.url + "/lx/", timeout=20).status_code == 200
    route = s.cookies.get("LXROUTE")
    assert route in (".node1", ".node2"), s.cookies
    mine = nodes[int(route[-1]) - 1]
    offsets = [access_size(n) for n in nodes]
    for _ in range(10):
        assert s.get(front.url + "/lx/", timeout=20).status_code == 200
    for _ in range(10):
        assert front.get("/lx/", user=STUDENT).status_code == 200
    time.sleep(0.5)                           # the last lines of the access logs
    served = {n.base.name: served_since(n, off) for n, off in zip(nodes, offsets)}
    assert served[mine.base.name] >= 10, served
    assert all(v > 0 for v in served.values()), served


def test_node_stopped_and_started_while_confirming(site):
    # a connection waiting in the stopping node's listen queue is reset: rare, and the balancer
    # answers it 503 with Retry-After (the desk sends the form again), logging BROKE_OFF
    site.expect.front += [NODE_REFUSED, BROKE_OFF]
    node1, node2 = site.nodes
    with desks(site, classes(site)) as work:
        time.sleep(1.5)
        node1.graceful_stop()
        stopped = access_size(node2)
        time.sleep(2)
        only_node2 = served_since(node2, stopped)
        node1.start()
        restarted = access_size(node1)
        time.sleep(2.5)
    work.check(site)
    # while node 1 was down node 2 served everything, and node 1 took its share again
    assert only_node2 > 0
    assert served_since(node1, restarted) > 0
    record(FIGURES, "node_stopped_and_started", {
        "acknowledged_batches": sum(work.acknowledged),
        "acknowledged_changes": sum(work.acknowledged) * 12,
        "answers": work.answers(),
    })


@contextlib.contextmanager
def broken_node(port):
    """A listener on port that takes each connection and closes it unanswered: a node that
    dies while it holds the request."""
    srv = socket.create_server(("127.0.0.1", port))
    srv.settimeout(0.2)
    done = threading.Event()

    def serve():
        while not done.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
    t = threading.Thread(target=serve)
    t.start()
    try:
        yield
    finally:
        done.set()
        t.join()
        srv.close()


def test_balancer_errors_are_503_with_retry_after(site):
    """What mod_proxy makes itself when no node can answer is a 503 with Retry-After too."""
    site.expect.front += [NODE_REFUSED, NO_MEMBER, BROKE_OFF]
    front = site.balancer
    csrf = csrf_of(front, USER)
    [nos] = classes(site, 1)
    for node in site.nodes:
        node.graceful_stop()
    try:
        r = front.get("/lx/", user=STUDENT)
        assert r.status_code == 503 and r.headers.get("Retry-After") == "30", \
            (r.status_code, r.headers)
        with broken_node(site.nodes[0].port):
            r = batch(front, USER, POINT, nos[0], STEP, "class", nos, csrf=csrf)
            assert r.status_code == 503 and r.headers.get("Retry-After") == "30", \
                (r.status_code, r.headers)
    finally:
        for node in site.nodes:
            node.start()
    assert first_served(front, STUDENT) is not None


def xml_state(page, step):
    """The state of step on the sheet of a page's XML, and the page's as-of (None: primary)."""
    doc = ET.fromstring(page.content)
    st = next(s.get("state") for s in doc.iter("step") if s.get("code") == step)
    return st, doc.get("as-of")


def test_reads_on_the_standby(site):
    """The pages that only read come from the standby and say so; whoever has just acted
    reads from the primary (the lx_fresh cookie, on either node); a standby that goes away
    sends the reads to the primary, and they come back to it when it returns."""
    front = site.balancer
    page = front.get("/lx/", user=STUDENT)
    assert page.status_code == 200 and "数据截至" in page.text
    api = front.get(f"/lx/api/v1/students/{STUDENT}/status", user=STUDENT).json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", api["as_of"]), api
    assert "数据截至" in front.get("/lx/stats", user="admin").text
    # the standby's read pool did the reading
    assert int(site.standby.psql(f"SELECT count(*) FROM pg_stat_activity "
                                 f"WHERE application_name = '{READ_APP}'")[0][0]) > 0

    # an operator confirms, and at once reads the sheet again: from the primary, current
    [nos] = classes(site, 1)
    op = Browser(front, USER)
    r = batch(op, USER, POINT, nos[0], STEP, "class", nos, csrf=csrf_of(op, USER),
              headers={"Origin": front.url})
    assert r.status_code == 200 and "lx_fresh" in op.s.cookies, (r.status_code, op.s.cookies)
    for no in nos[:3]:
        mine = op.get(f"/lx/student/{no}?format=xml")
        assert xml_state(mine, STEP) == ("done", None)
    # someone else sees it from the standby, which a synchronous standby has by now or soon
    deadline = time.monotonic() + 10
    while True:
        other = front.get(f"/lx/student/{nos[0]}?format=xml", user="admin")
        got, as_of = xml_state(other, STEP)
        assert as_of is not None
        if got == "done" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert got == "done"

    # the standby goes away: the reads go to the primary, no page fails
    site.standby.stop()
    try:
        for _ in range(5):
            page = front.get("/lx/", user=STUDENT)
            assert page.status_code == 200 and "数据截至" not in page.text
    finally:
        site.standby.start()
        wait_sync(site)
    # once it is back the reads return to it, though the pools are never idle: a read
    # connection that found the primary is replaced when it is LixiaoReadRetry (here 1 s) old
    deadline = time.monotonic() + 20
    while "数据截至" not in front.get("/lx/", user=STUDENT).text:
        assert time.monotonic() < deadline, "the reads stayed on the primary"
        time.sleep(0.2)


class Browser:
    """A browser of one user at httpd: keeps its cookies (lx_fresh, LXROUTE); desk.py's
    helpers take it in place of an Httpd."""

    def __init__(self, httpd, user):
        self.url = httpd.url
        self.s = requests.Session()
        self.s.auth = (user, "demo")

    def request(self, method, path, user=None, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 30)
        return self.s.request(method, self.url + path, **kw)

    def get(self, path, user=None, **kw):
        return self.request("GET", path, **kw)


def wait_sync(site, deadline_s=30):
    """Until the standby is the primary's synchronous standby again."""
    t0 = time.monotonic()
    while site.primary.psql("SELECT sync_state FROM pg_stat_replication") != [["sync"]]:
        assert time.monotonic() - t0 < deadline_s, "the standby did not come back in sync"
        time.sleep(0.1)


def test_primary_dies_and_standby_is_promoted(site):
    site.expect.nodes.append(DB_OUTAGE)
    # the standby confirms every commit before the primary acknowledges it
    assert site.primary.psql("SELECT application_name, sync_state FROM pg_stat_replication; "
                             "SHOW synchronous_commit") == [["lx_standby", "sync"], ["on"]]
    before = [n.pids() for n in site.nodes]
    readers = StudentReaders(site.balancer)
    with desks(site, classes(site)) as work:
        time.sleep(1.5)
        site.kill_primary()
        died = time.monotonic()
        # the outage as the nodes see it until someone promotes the standby: the desks get
        # 503, the students' pages come from the standby
        with readers:
            time.sleep(1)
            asked = time.monotonic()
            site.promote()                       # returns when the standby accepts writes
            promoted = time.monotonic()
            # service: the desk's page, which reads the writable server
            since_promotion = first_served(site.balancer, USER, deadline_s=60,
                                           path="/lx/op")
            served = time.monotonic()
        time.sleep(2)
    assert since_promotion is not None and since_promotion < 30, since_promotion
    # not one student page failed while the primary was away
    assert readers.statuses and set(readers.statuses) == {200}, readers.answers()
    # the standby, now the primary, holds every acknowledged change exactly once
    work.check(site)
    assert site.cluster.psql("SELECT pg_is_in_recovery()") == [["f"]]
    # the nodes reconnected by themselves: not restarted, their pools on the new primary
    assert [n.pids() for n in site.nodes] == before
    assert int(site.cluster.psql("SELECT count(*) FROM pg_stat_activity "
                                 "WHERE application_name = 'mod_lixiao'")[0][0]) > 0
    record(FIGURES, "primary_dies_standby_promoted", {
        "acknowledged_batches": sum(work.acknowledged),
        "acknowledged_changes": sum(work.acknowledged) * 12,
        "answers": work.answers(),
        "promote_call_s": round(promoted - asked, 3),
        "first_desk_page_after_promotion_s": round(since_promotion, 3),
        "first_desk_page_after_primary_died_s": round(served - died, 3),
        "student_pages_during_outage": readers.answers(),
    })


class StudentReaders:
    """A student reloading their page through the balancer, every 50 ms, while in the with
    block."""

    def __init__(self, front):
        self.front, self.statuses = front, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read)

    def _read(self):
        while not self._stop.is_set():
            try:
                self.statuses.append(self.front.get("/lx/", user=STUDENT,
                                                    timeout=30).status_code)
            except requests.RequestException as e:
                self.statuses.append(repr(e))
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(60)

    def answers(self):
        return {str(s): self.statuses.count(s) for s in set(self.statuses)}
