"""make bench: every benchmark of mod_lixiao in one run, loaded with wrk on loopback.

    make bench                     the demo size (10,500 students, classes of 40) and SIZE
    SIZE=0 make bench              without the large size (the dashboard ratio is then null)
    SIZE=200000 make bench         another large size
    LX_BENCH_BIG=/path make bench  reuse a cluster generated before (scripts/pg.sh layout, its
                                   password in /path/dbpass); pending migrations are applied
    BENCH_DURATION=15              seconds of each wrk run (default 15)
    BENCH_ROUNDS=2                 rounds of the page scenarios, alternating (default 2)
    BENCH_OPEN_PASSES=6            passes of the open loop f' over every class (default 6)

It starts its own PostgreSQL and httpd as in production (MPM event, the module, mod_dbd,
MaxConnectionsPerChild 0; scripts/pg.sh and scripts/httpd-conf.sh, as `make run`), stops them at
the end, and writes bench/results.json (raw wrk commands and output included) and
bench/results.md, whose table it also copies into docs/performance.md.  Targets are ratios of figures of
this one run: the machine is shared and noisy, absolute times mean little.

The large cluster takes about 50 minutes to generate at 1,000,000 students; it is kept in
/var/tmp/lixiao-bench-<size>-<digest of sql/> and reused while sql/ is unchanged (delete the
directory to reclaim the space).
"""
import base64
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))
sys.path.insert(0, str(HERE))
from lxenv import REPO, Cluster, Env, Httpd, run  # noqa: E402
import bench_door  # noqa: E402
import bench_import  # noqa: E402

LUA = HERE / "lua" / "requests.lua"
THREADS = 2
CONNECTIONS = 32
DURATION = int(os.environ.get("BENCH_DURATION", "15"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
BIG = int(os.environ.get("SIZE", "1000000"))
MEMORY_REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", "100000"))
DEMO = 10500
STEP = "student_card"           # class mode, every student, one point (学生工作处)
POINT = "student_affairs"
BATCH = 40
OPERATORS = 16
# the page cache (LixiaoPageCache) large enough for every demo student's page (17 KB each),
# and one so small (7 pages) that a view of a random student is always a first view
PAGE_CACHE = "shmcb:lixiao-pages(268435456)"
FIRST_VIEW_CACHE = "shmcb:lixiao-first-views(131072)"
CAS_STUDENTS = 100              # signed in through CAS for scenario j
OPEN_LOAD = 0.5         # the open loop's share of the capacity that the closed loop measured
OPEN_PASSES = int(os.environ.get("BENCH_OPEN_PASSES", "6"))   # every class once a pass

TARGETS = {
    "ratio_page_static": (">=", 0.30),
    "ratio_page_warm_static": (">=", 0.65),
    "ratio_page304_static": (">=", 0.80),
    "ratio_api_static": (">=", 0.70),
    "ratio_confirm_static_c1": (">=", 0.20),
    "ratio_batch40_static_c1": (">=", 0.07),
    "ratio_batch40_single": ("<=", 2),
    "ratio_batch16_open_p99": ("<=", 3),
    "lock_waits_over_100ms": ("==", 0),
    "ratio_dashboard_1m_demo": ("<=", 2),
    "ratio_import_manual": ("<=", 1.25),
    "ratio_1000_64": (">=", 0.8),
    "rss_growth_pct": ("<", 1),
    "errors": ("==", 0),
}


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def basic(user, password="demo"):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# ---- wrk ---------------------------------------------------------------------------------------

UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNIT[m.group(2)]


def parse_wrk(out):
    """Requests per second, p50 and p99 in ms, requests, and errors (HTTP status >= 400 and
    socket errors of every kind) of wrk's --latency output."""
    def grab(pattern, default=None):
        m = re.search(pattern, out, re.M)
        return m.group(1) if m else default
    errors = int(grab(r"Non-2xx or 3xx responses: (\d+)", "0"))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    return {
        "rps": float(grab(r"^Requests/sec:\s+([\d.]+)")),
        "p50_ms": ms(grab(r"^\s+50%\s+(\S+)")),
        "p99_ms": ms(grab(r"^\s+99%\s+(\S+)")),
        "requests": int(grab(r"^\s+(\d+) requests in")),
        "errors": errors,
    }


class Wrk:
    def __init__(self, url, plans):
        self.url = url
        self.plans = plans
        self.runs = []          # every run: command and raw output, for results.json

    def __call__(self, label, plan, connections=CONNECTIONS, duration=DURATION,
                 order="random", threads=THREADS, record=True, delay_ms=None, latency=None):
        threads = min(threads, connections)
        if order == "once":
            # a connection a thread: a thread has had all its lines answered exactly when its
            # one connection has, so nothing is re-sent to fill a connection meanwhile
            threads = connections
        done = self.plans / f"done-{len(self.runs)}-{time.time_ns()}"
        env = {"LX_PLAN": str(self.plans / plan), "LX_ORDER": order, "LX_THREADS": str(threads),
               "LX_DONE": str(done)}
        if delay_ms is not None:
            env["LX_DELAY_MS"] = f"{delay_ms:.3f}"
        if latency is not None:
            env["LX_LATENCY"] = str(latency)
        argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
                "--timeout", "10s", "-s", str(LUA), self.url + "/"]
        proc = subprocess.Popen(argv, env=dict(os.environ, **env), stdout=subprocess.PIPE,
                                text=True)
        if order == "once":
            # every thread has had all its lines answered: stop wrk, which prints its figures
            while proc.poll() is None:
                if all(Path(f"{done}.{t}").exists() for t in range(threads)):
                    proc.send_signal(signal.SIGINT)
                    break
                time.sleep(0.02)
        out = proc.communicate()[0]
        assert proc.returncode == 0, out
        result = parse_wrk(out)
        if record:
            self.runs.append({"scenario": label,
                              "command": " ".join(f"{k}={v}" for k, v in env.items())
                              + " " + " ".join(argv),
                              "output": out, **result})
        log(f"{label}: {result['rps']:,.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
            f"p99 {result['p99_ms']:.2f} ms, {result['requests']} requests, "
            f"{result['errors']} errors")
        return result


def alternate(w, what, runs, scenarios):
    """ROUNDS rounds of scenarios ((key, label, plan), ...) one after another, each run's figures
    added to runs[key]."""
    for k in range(ROUNDS):
        log(f"{what}, round {k + 1} of {ROUNDS}")
        for key, label, plan in scenarios:
            runs.setdefault(key, []).append(w(label, plan))


def median_of(results):
    """The median of each figure over the rounds; errors are added up, not medianed."""
    out = {k: statistics.median(r[k] for r in results) for k in results[0]}
    out["errors"] = sum(r["errors"] for r in results)
    return out


# ---- the environment ---------------------------------------------------------------------------

class Bench:
    def __init__(self):
        self.env = Env(size=DEMO, class_size=BATCH)
        # outside the environment's directory: the large size's dashboard runs after it is gone
        self.plans = Path(tempfile.mkdtemp(prefix="lx-bench-plans-", dir="/tmp"))
        self.figures = {}

    @property
    def httpd(self):
        return self.env.httpd

    def psql(self, sql):
        return self.env.cluster.psql(sql)

    def start(self):
        log(f"generating {DEMO:,} students (classes of {BATCH}) and starting httpd")
        self.env.start()
        self.plans.chmod(0o755)
        self.students = [r[0] for r in self.psql(
            "SELECT student_no FROM lx.student s JOIN lx.cohort c ON c.id = s.cohort_id "
            "WHERE NOT c.closed ORDER BY 1")]
        self.make_operators()
        self.make_static()
        self.wrk = Wrk(self.httpd.url, self.plans)

    def make_operators(self):
        """Sixteen operators of the student affairs point and a portal token."""
        self.operators = [f"bench_op_{i:02d}" for i in range(1, OPERATORS + 1)]
        self.psql("SET ROLE lx_owner;" + "".join(
            f"INSERT INTO lx.operator (login, name) VALUES ('{op}', '压测操作员{op[-2:]}');"
            f"INSERT INTO lx.operator_point (login, point_id) "
            f"SELECT '{op}', id FROM lx.point WHERE code = '{POINT}';"
            for op in self.operators))
        self.token = uuid.uuid4().hex + uuid.uuid4().hex
        self.psql(f"SET ROLE lx_owner; SELECT lx.token_add('portal', 'bench', '{self.token}')")

    def make_static(self):
        """The ceiling: a file as large as an average student page, served by the same httpd,
        once under the pages' authentication and once without."""
        sizes = [len(self.httpd.get("/lx/", user=n).content) for n in self.students[::200]]
        self.page_bytes = int(statistics.mean(sizes))
        static = self.env.base / "bench-static"
        static.mkdir()
        static.chmod(0o755)
        text = ("<p>" + "离校" * 40 + "</p>\n").encode()
        body = (text * (self.page_bytes // len(text) + 1))[:self.page_bytes]
        (static / "page.html").write_bytes(body)
        (static / "page.html").chmod(0o644)
        extra = self.env.base / "conf" / "extra"
        extra.mkdir(exist_ok=True)
        (extra / "bench.conf").write_text(f"""
# make bench: students' browsers keep their own page and revalidate it (scenario c)
LixiaoOwnPageCache revalidate
# every demo student's page kept once rendered (scenario b'; b uses one that keeps none)
LixiaoPageCache {PAGE_CACHE}
# a static file under the pages' authentication (Location /lx) and without
Alias /lx/bench-static "{static}"
<Location /lx/bench-static>
    SetHandler none
</Location>
Alias /bench-open "{static}"
<Directory "{static}">
    Require all granted
</Directory>
<Location /bench-open>
    Require all granted
</Location>
""")
        # the bench operators need logins: the password files are made anew from the database
        self.httpd.configure()
        self.httpd.stop()
        self.httpd.start()
        assert self.httpd.get("/lx/bench-static/page.html", user=self.students[0]).ok
        assert self.httpd.get("/lx/bench-static/page.html").status_code == 401
        assert self.httpd.get("/bench-open/page.html").ok

    # ---- plans: one request per line ----

    def plan(self, name, lines):
        path = self.plans / name
        path.write_text("".join("\t".join(f) + "\n" for f in lines))
        path.chmod(0o644)
        return name

    def get_plan(self, name, path_of, headers_of):
        return self.plan(name, [("GET", path_of(n), "|".join(headers_of(n)), "")
                                for n in self.students])

    def etags(self):
        """Every student's current ETag, as their browser holds it."""
        import concurrent.futures as cf
        import requests

        def fetch(chunk):
            s = requests.Session()
            out = {}
            for n in chunk:
                r = s.get(self.httpd.url + "/lx/", auth=(n, "demo"))
                assert r.status_code == 200
                out[n] = r.headers["ETag"]
            return out
        tags = {}
        with cf.ThreadPoolExecutor(4) as ex:
            for part in ex.map(fetch, [self.students[i::4] for i in range(4)]):
                tags.update(part)
        return tags

    # ---- scenarios ----

    def pages(self):
        """a (static, with and without authentication), b' (page, kept), c (304), d (API),
        in ROUNDS alternating rounds; then b (the first view after a change) with a page
        cache that keeps none, alternating with a again; medians."""
        w = self.wrk
        auth = lambda n: [f"Authorization: {basic(n)}"]  # noqa: E731
        static = self.get_plan("static.plan", lambda n: "/lx/bench-static/page.html", auth)
        static_open = self.plan("static-open.plan", [("GET", "/bench-open/page.html", "", "")])
        page = self.get_plan("page.plan", lambda n: "/lx/", auth)
        tags = self.etags()
        page304 = self.get_plan("page304.plan", lambda n: "/lx/",
                                lambda n: auth(n) + [f"If-None-Match: {tags[n]}"])
        api = self.get_plan("api.plan", lambda n: f"/lx/api/v1/students/{n}/status",
                            lambda n: [f"Authorization: Bearer {self.token}"])
        log("warm-up (every student's page was fetched for its ETag: all are kept)")
        for p in (static, page, page304, api):
            w("warm-up", p, duration=3, record=False)
        runs = {k: [] for k in ("static", "static_open", "page_warm", "page304", "api",
                                "page")}
        for k in range(ROUNDS):
            log(f"round {k + 1} of {ROUNDS}")
            runs["static"].append(w("a static file, authenticated", static))
            runs["static_open"].append(w("a static file, no authentication", static_open))
            runs["page_warm"].append(w("b' student page, unchanged since rendered", page))
            time.sleep(1)       # the previous run's last answers reach the log first
            access = self.access_offset()
            runs["page304"].append(w("c student page revalidated", page304))
            self.check_statuses(access, {"304"}, "c")
            runs["api"].append(w("d portal status API", api))
        with self.httpd.extra_conf("zz-first-view", f"LixiaoPageCache {FIRST_VIEW_CACHE}\n"):
            w("warm-up", page, duration=3, record=False)
            alternate(w, "first views", runs, [
                ("static", "a static file, authenticated", static),
                ("page", "b student page, first view after a change", page)])
        for k, v in runs.items():
            self.figures[k] = median_of(v)
        self.figures["page_bytes"] = self.page_bytes
        # the restart emptied the cache: the scenarios after this one find it filling again
        self.etags()

    def cas_pages(self):
        """j: the production path, behind mod_auth_cas with a signed-in session (its cookie),
        against a static file behind the same, in an environment of its own (a CAS server on
        loopback, 400 students); CAS_STUDENTS students signed in, their pages kept."""
        from casserver import cas_browser
        from test_cas import cas_login, land
        env = Env(cas=True)
        try:
            env.start()
            static = env.base / "bench-static"
            static.mkdir()
            static.chmod(0o755)
            (static / "page.html").write_bytes(
                (self.env.base / "bench-static" / "page.html").read_bytes())
            (static / "page.html").chmod(0o644)
            extra = env.base / "conf" / "extra"
            extra.mkdir(exist_ok=True)
            (extra / "bench.conf").write_text(f"""
LixiaoPageCache {PAGE_CACHE}
Alias /lx/bench-static "{static}"
<Location /lx/bench-static>
    SetHandler none
</Location>
<Directory "{static}">
    Require all granted
</Directory>
""")
            env.httpd.stop()
            env.httpd.start()
            nos = [r[0] for r in env.cluster.psql(
                "SELECT student_no FROM lx.student s JOIN lx.cohort c ON c.id = s.cohort_id "
                f"WHERE NOT c.closed ORDER BY 1 LIMIT {CAS_STUDENTS}")]
            cookies = {}
            for n in nos:
                s = cas_browser(env.cas)
                r = land(s, cas_login(s, env, n))
                assert r.status_code == 200 and n in r.text, r.text[:300]
                cookies[n] = s.cookies["MOD_AUTH_CAS"]
            def cookie(n):
                return [f"Cookie: MOD_AUTH_CAS={cookies[n]}"]
            static_plan = self.plan("cas-static.plan", [
                ("GET", "/lx/bench-static/page.html", "|".join(cookie(n)), "") for n in nos])
            page_plan = self.plan("cas-page.plan", [
                ("GET", "/lx/", "|".join(cookie(n)), "") for n in nos])
            w = Wrk(env.httpd.url, self.plans)
            for p in (static_plan, page_plan):
                w("warm-up", p, duration=3, record=False)
            runs = {}
            alternate(w, "CAS", runs, [
                ("static_cas", "j static file behind CAS", static_plan),
                ("page_cas", "j student page behind CAS, unchanged", page_plan)])
            for k, v in runs.items():
                self.figures[k] = median_of(v)
            self.wrk.runs += w.runs
        finally:
            env.close()

    def render(self):
        """What bounds b: a student page's render on one thread, without httpd, the database or
        the network (tests/bench/render_bench.c, over the XML of 100 demo students' own
        pages): the transform, libxml2's HTML writer against the module's, freeing."""
        exe = self.plans / "render_bench"
        flags = run(["sh", "-c", "xslt-config --cflags; apr-1-config --cflags --cppflags "
                     "--includes"]).stdout.split()
        libs = run(["sh", "-c", "xslt-config --libs; apr-1-config --link-ld --libs"]).stdout.split()
        run(["gcc", "-O2", "-Wall", "-Wextra", "-I", str(REPO / "mod_lixiao"), *flags, "-o",
             str(exe), str(HERE / "render_bench.c"), str(REPO / "mod_lixiao/core/lx_html.c"),
             *libs])
        pages = []
        for k, n in enumerate(self.students[::len(self.students) // 100][:100]):
            path = self.plans / f"page-{k}.xml"
            path.write_bytes(self.httpd.get("/lx/?format=xml", user=n).content)
            pages.append(str(path))
        out = run([str(exe), str(self.env.templates), "20", *pages]).stdout
        self.figures["render"] = json.loads(out)
        r = self.figures["render"]
        log(f"render of a student page, one thread: transform {r['transform_us']:.0f} us "
            f", libxml2's writer "
            f"{r['libxml2_writer_us']:.0f} us, the module's {r['own_writer_us']:.0f} us, "
            f"freeing {r['free_us']:.0f} us")

    def access_offset(self):
        p = self.env.base / "log" / "access_log"
        return p.stat().st_size if p.exists() else 0

    def check_statuses(self, offset, allowed, label):
        """The access log since offset has only the allowed statuses (wrk counts 3xx as fine,
        so that a 304 scenario answered 200 would otherwise pass unnoticed)."""
        with open(self.env.base / "log" / "access_log", "rb") as f:
            f.seek(offset)
            statuses = {}
            for line in f:
                m = re.search(rb'" (\d{3}) ', line)
                if m:
                    statuses[m.group(1).decode()] = statuses.get(m.group(1).decode(), 0) + 1
        other = {s: n for s, n in statuses.items() if s not in allowed}
        self.figures.setdefault("statuses", {})[label] = statuses
        if other:
            log(f"{label}: unexpected statuses {other}")
            self.figures["unexpected_statuses"] = self.figures.get("unexpected_statuses", 0) \
                + sum(other.values())

    def connections(self):
        """i: the student page at 1,000 keep-alive connections against 64."""
        page = "page.plan"
        self.figures["c64"] = self.wrk("i student page, 64 connections", page, connections=64)
        self.figures["c1000"] = self.wrk("i student page, 1000 connections", page,
                                         connections=1000)

    def children(self):
        pid = int((self.env.base / "run" / "httpd.pid").read_text())
        out = run(["ps", "-o", "pid=", "--ppid", str(pid)]).stdout.split()
        return [int(p) for p in out]

    @staticmethod
    def rss_kib(pid):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def memory(self):
        """The children's resident size after the warm-up and after 100,000 more requests."""
        before = {p: self.rss_kib(p) for p in self.children()}
        done = 0
        while done < MEMORY_REQUESTS:
            r = self.wrk("memory: student pages", "page.plan", duration=DURATION,
                         record=False)
            done += r["requests"]
            self.figures["memory_errors"] = self.figures.get("memory_errors", 0) + r["errors"]
        after = {p: self.rss_kib(p) for p in self.children()}
        same = sorted(set(before) & set(after))
        b = sum(before[p] for p in same)
        a = sum(after[p] for p in same)
        self.figures["memory"] = {
            "children_before": before, "children_after": after, "same_pids": same,
            "requests": done, "rss_before_kib": b, "rss_after_kib": a,
            "growth_pct": (a - b) * 100.0 / b if b else None}
        log(f"memory: {len(same)} children, {b} KiB -> {a} KiB after {done} requests")

    def dashboard(self, key):
        plan = self.plan("dashboard.plan", [("GET", "/lx/stats",
                                             f"Authorization: {basic('leader')}", "")])
        self.wrk("warm-up", plan, duration=3, record=False)
        self.figures[key] = self.wrk(f"g dashboard, {key}", plan)

    # confirmations: every request a real change of state

    def reset_step(self):
        """The step pending again for everyone it applies to (straight in the table, as the
        benchmark's owner: the door would refuse to undo a whole year's work).  Where it does
        not apply ('na') it stays so: the door refuses those, and a class with one of them."""
        self.psql(f"""
            UPDATE lx.step_state SET state = 'pending', how = NULL, by_login = NULL, at = NULL,
                   note = NULL
             WHERE step_id = (SELECT id FROM lx.step WHERE code = '{STEP}')
               AND state = 'done';
            VACUUM ANALYZE lx.step_state;""")

    def classes(self):
        """Classes with at least BATCH students to whom the step applies, BATCH of each."""
        rows = self.psql(f"""
            SELECT s.class_id, s.student_no FROM lx.student s
              JOIN lx.step_state ss ON ss.student_id = s.id
             WHERE ss.step_id = (SELECT id FROM lx.step WHERE code = '{STEP}')
               AND ss.state <> 'na'
             ORDER BY s.class_id, s.student_no""")
        by_class = {}
        for cid, no in rows:
            by_class.setdefault(cid, []).append(no)
        return [nos[:BATCH] for nos in by_class.values() if len(nos) >= BATCH]

    def csrf(self, user):
        doc = ET.fromstring(self.httpd.get(f"/lx/op?format=xml&at={POINT}", user=user).content)
        return doc.find("desk").get("csrf")

    def confirm_line(self, op, csrf, students):
        from urllib.parse import urlencode
        fields = [("csrf", csrf), ("rid", uuid.uuid4().hex), ("at", POINT), ("how", "class"),
                  ("s", students[0]), (f"step.{STEP}", "1")]
        fields += [(f"sid.{n}", "1") for n in students]
        headers = [f"Authorization: {basic(op)}", f"Origin: {self.httpd.url}",
                   "Content-Type: application/x-www-form-urlencoded"]
        return ("POST", "/lx/op/confirm", "|".join(headers), urlencode(fields))

    def confirmations(self):
        """e: one operator, one student a request, then a class of 40 a request; f: sixteen
        operators at once, a class of 40 each, different classes, the same step."""
        classes = self.classes()
        tokens = {op: self.csrf(op) for op in self.operators}
        one = self.operators[0]

        def spread(batches):
            # batch k to operator k mod 16, each with their own form token
            return [self.confirm_line(self.operators[k % OPERATORS],
                                      tokens[self.operators[k % OPERATORS]], nos)
                    for k, nos in enumerate(batches)]

        # warm-up: sixteen at once, so that every pooled connection has planned its statements
        # (a connection's first batch plans them all: tens of milliseconds, once)
        self.reset_step()
        self.wrk("warm-up", self.plan("warm.plan", spread(classes[:4 * OPERATORS])),
                 connections=OPERATORS, order="once", duration=600, record=False)
        self.reset_step()
        self.lock_log_start()
        # the ceiling of one connection in a closed loop, before each of its two scenarios
        static_c1 = [self.wrk("a static file, authenticated, one connection", "static.plan",
                              connections=1)]
        singles = [self.confirm_line(one, tokens[one], [n]) for nos in classes for n in nos]
        self.figures["confirm1"] = self.wrk(
            "e one operator confirms one student", self.plan("confirm1.plan", singles[:3000]),
            connections=1, order="once", duration=600)
        self.count_done("confirm1", 3000)
        self.reset_step()
        static_c1.append(self.wrk("a static file, authenticated, one connection",
                                  "static.plan", connections=1))
        self.figures["static_c1"] = median_of(static_c1)
        batches = [self.confirm_line(one, tokens[one], nos) for nos in classes]
        self.figures["batch40"] = self.wrk(
            "e one operator confirms a class of 40", self.plan("batch40.plan", batches),
            connections=1, order="once", duration=600)
        self.count_done("batch40", BATCH * len(classes))
        self.reset_step()
        self.figures["batch40x16"] = self.wrk(
            "f sixteen operators confirm classes of 40",
            self.plan("batch16.plan", spread(classes)),
            connections=OPERATORS, order="once", duration=600)
        self.count_done("batch40x16", BATCH * len(classes))
        self.figures["classes"] = len(classes)
        self.open_loop(lambda: spread(classes))
        self.figures["lock_waits"] = self.lock_log_count()
        self.figures["door"] = self.door(one, tokens[one])

    def open_loop(self, make_lines):
        """f': the sixteen operators as they work, each sending a class when ready (an open
        loop: a random pause before each batch, exponentially distributed) so that together
        they ask for OPEN_LOAD of the capacity that f measured; every class once a pass,
        OPEN_PASSES passes (the step made pending again between them, and forms with new ids:
        the door carries out each id once), latencies pooled."""
        capacity = self.figures["batch40x16"]["rps"]
        alone_ms = self.figures["batch40"]["p50_ms"]
        # 16 operators at rate r together: each sends every 16 / r seconds, of which a batch
        # takes about alone_ms
        pause = max(0.0, OPERATORS * 1000.0 / (OPEN_LOAD * capacity) - alone_ms)
        pooled, runs = {}, []
        for k in range(OPEN_PASSES):
            self.reset_step()
            lines = make_lines()
            plan = self.plan(f"open16-{k}.plan", lines)
            hist = self.plans / f"open16-{k}.latency"
            runs.append(self.wrk(f"f' sixteen operators, open loop, pass {k + 1}", plan,
                                 connections=OPERATORS, order="once", duration=600,
                                 delay_ms=pause, latency=hist))
            self.count_done_quiet(BATCH * len(lines))
            for line in hist.read_text().split("\n"):
                if line.strip():
                    us, n = (int(x) for x in line.split())
                    pooled[us] = pooled.get(us, 0) + n
        total = sum(pooled.values())

        def pct(p):
            seen = 0
            for us in sorted(pooled):
                seen += pooled[us]
                if seen >= p / 100.0 * total:
                    return us / 1000.0
            return None
        seconds = sum(r["requests"] / r["rps"] for r in runs if r["rps"])
        self.figures["batch40x16_open"] = {
            "rps": total / seconds if seconds else 0.0, "p50_ms": pct(50), "p99_ms": pct(99),
            "requests": total, "errors": sum(r["errors"] for r in runs),
            "passes": OPEN_PASSES, "pause_mean_ms": round(pause, 2),
            "capacity_rps": capacity, "load": OPEN_LOAD}
        o = self.figures["batch40x16_open"]
        log(f"f' open loop: {o['rps']:.0f} batches/s of a capacity of {capacity:.0f}, "
            f"p50 {o['p50_ms']:.2f} ms, p99 {o['p99_ms']:.2f} ms over {total} batches")

    def count_done_quiet(self, sent):
        done = int(self.psql(f"""SELECT count(*) FROM lx.step_state
                                  WHERE step_id = (SELECT id FROM lx.step WHERE code = '{STEP}')
                                    AND state = 'done'""")[0][0])
        if done != sent:
            log(f"open loop: {sent} students sent, {done} done")
            self.figures["open_not_done"] = self.figures.get("open_not_done", 0) \
                + abs(sent - done)

    def lock_log_start(self):
        """PostgreSQL logs every lock waited for longer than 100 ms (log_lock_waits: a wait of
        deadlock_timeout), from here to lock_log_count."""
        self.psql("ALTER SYSTEM SET log_lock_waits = on; ALTER SYSTEM SET deadlock_timeout = "
                  "'100ms'; SELECT pg_reload_conf()")
        log_file = self.env.base / "log" / "postgresql.log"
        self.lock_log_offset = log_file.stat().st_size if log_file.exists() else 0

    def lock_log_count(self):
        self.psql("ALTER SYSTEM RESET log_lock_waits; ALTER SYSTEM RESET deadlock_timeout; "
                  "SELECT pg_reload_conf()")
        with open(self.env.base / "log" / "postgresql.log", "rb") as f:
            f.seek(self.lock_log_offset)
            lines = [x.decode("utf-8", "replace") for x in f if b"still waiting for" in x]
        self.figures["lock_wait_lines"] = lines[:20]
        log(f"lock waits over 100 ms: {len(lines)}")
        return len(lines)

    def door(self, op, csrf):
        """What one door costs the database (bench_door.py): round trips and pg_stat_statements'
        time of a confirm, a class of 40 and a revoke."""
        out = bench_door.run(self.psql, self.httpd.url, op, csrf)
        for k, v in out.items():
            log(f"door {k}: {v['round_trips']} round trips, database {v['db_ms']:.3f} ms "
                f"({v['db_plan_ms']:.3f} planning)")
        return out

    def count_done(self, key, sent):
        """Every confirmation sent has made a student done: a refusal is answered 303 (to
        the desk, which shows it), which wrk cannot tell from a success."""
        done = int(self.psql(f"""SELECT count(*) FROM lx.step_state
                                  WHERE step_id = (SELECT id FROM lx.step WHERE code = '{STEP}')
                                    AND state = 'done'""")[0][0])
        self.figures[key]["students_sent"] = sent
        self.figures[key]["students_done"] = done
        if done != sent:
            log(f"{key}: {sent} students sent, {done} done")

    def imports(self):
        """h: 30,000 rows through the module against the same COPY and merge in psql."""
        module, manual = [], []
        for k in range(3):
            module.append(bench_import.via_module(self.env, bench_import.roster(10 + 6 * k)))
            manual.append(bench_import.via_psql(self.env, bench_import.roster(13 + 6 * k),
                                                self.env.base / f"roster{k}.csv"))
            log(f"h import run {k + 1}: module {module[-1]:.2f} s, psql {manual[-1]:.2f} s")
        self.figures["import"] = {"rows": bench_import.ROWS, "module_s": module,
                                  "manual_s": manual, "module_median_s": statistics.median(module),
                                  "manual_median_s": statistics.median(manual),
                                  "commands": {"module": "POST /lx/admin/import (multipart, "
                                               "GB18030) as admin",
                                               "manual": "psql: \\copy FILE, lx.roster_check, "
                                               "lx.roster_merge"}}

    def close(self):
        self.env.close()

    def cleanup(self):
        shutil.rmtree(self.plans, ignore_errors=True)


# ---- the large cluster -------------------------------------------------------------------------

def sql_digest():
    h = hashlib.sha256()
    for p in sorted((REPO / "sql").rglob("*.sql")):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()[:12]


class Big:
    """The dashboard at SIZE students: a kept cluster, or a new one generated and kept."""

    def __init__(self, size):
        reuse = os.environ.get("LX_BENCH_BIG")
        self.base = Path(reuse) if reuse else Path(f"/var/tmp/lixiao-bench-{size}-{sql_digest()}")
        self.size = size
        self.cluster = Cluster(self.base)
        templates = self.base / "templates"
        shutil.rmtree(templates, ignore_errors=True)
        shutil.copytree(REPO / "templates", templates)
        for p in [templates, *templates.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        self.httpd = Httpd(self.base, self.cluster, templates)

    def start(self):
        ready = (self.base / "dbpass").exists() and (self.base / "pg" / "PG_VERSION").exists()
        if ready:
            log(f"reusing the cluster in {self.base}")
            self.cluster.dbpass = (self.base / "dbpass").read_text().strip()
            self.cluster.start()
            run([str(REPO / "scripts/migrate.sh"), str(self.cluster.sock)])
            # The cluster was stopped a few seconds after its last use, before autovacuum (a
            # minute's nap) came round: the counters' small tables kept the dead rows of every
            # earlier run (stat_college: 342 rows and 17,420 dead ones, 8 MB to scan for the
            # dashboard).  Running, autovacuum would have cleared them; this does it now.
            self.cluster.psql("VACUUM (ANALYZE)")
        else:
            log(f"generating {self.size:,} students in {self.base} (about 50 minutes at "
                f"1,000,000); kept for the next run")
            shutil.rmtree(self.base / "pg", ignore_errors=True)
            self.base.mkdir(parents=True, exist_ok=True)
            self.base.chmod(0o755)
            t0 = time.time()
            self.cluster.create(self.size)
            (self.base / "dbpass").write_text(self.cluster.dbpass + "\n")
            log(f"generated in {(time.time() - t0) / 60:.1f} min")
        self.students = int(self.cluster.psql("SELECT count(*) FROM lx.student")[0][0])
        self.httpd.configure()
        self.httpd.start()

    def close(self):
        self.httpd.stop()
        self.cluster.stop()


# ---- results -----------------------------------------------------------------------------------

def ratios(f):
    def r(a, b):
        return round(a / b, 3) if a is not None and b else None
    big = f.get("dashboard_big")
    errors = sum(x["errors"] for x in (f["static"], f["static_open"], f["page"], f["page304"],
                                       f["page_warm"], f["static_cas"], f["page_cas"],
                                       f["api"], f["c64"], f["c1000"], f["confirm1"],
                                       f["batch40"], f["batch40x16"], f["batch40x16_open"],
                                       f["static_c1"], f["dashboard_demo"])) \
        + (big["errors"] if big else 0) + f.get("memory_errors", 0) \
        + f.get("unexpected_statuses", 0) + f.get("open_not_done", 0) \
        + sum(abs(f[k]["students_sent"] - f[k]["students_done"])
              for k in ("confirm1", "batch40", "batch40x16"))
    return {
        "ratio_page_static": r(f["page"]["rps"], f["static"]["rps"]),
        "ratio_page_warm_static": r(f["page_warm"]["rps"], f["static"]["rps"]),
        "ratio_page304_static": r(f["page304"]["rps"], f["static"]["rps"]),
        "ratio_page_cas_static_cas": r(f["page_cas"]["rps"], f["static_cas"]["rps"]),
        "ratio_api_static": r(f["api"]["rps"], f["static"]["rps"]),
        "ratio_page_static_open": r(f["page"]["rps"], f["static_open"]["rps"]),
        "ratio_confirm_static_c1": r(f["confirm1"]["rps"], f["static_c1"]["rps"]),
        "ratio_batch40_static_c1": r(f["batch40"]["rps"], f["static_c1"]["rps"]),
        "ratio_batch40_single": r(f["batch40"]["p50_ms"], f["confirm1"]["p50_ms"]),
        "ratio_batch16_open_p99": r(f["batch40x16_open"]["p99_ms"], f["batch40"]["p99_ms"]),
        "ratio_batch16_closed_p99": r(f["batch40x16"]["p99_ms"], f["batch40"]["p99_ms"]),
        "lock_waits_over_100ms": f["lock_waits"],
        "ratio_dashboard_1m_demo": r(big["p50_ms"], f["dashboard_demo"]["p50_ms"]) if big
        else None,
        "ratio_import_manual": r(f["import"]["module_median_s"], f["import"]["manual_median_s"]),
        "ratio_1000_64": r(f["c1000"]["rps"], f["c64"]["rps"]),
        "rss_growth_pct": round(f["memory"]["growth_pct"], 3),
        "errors": errors,
    }


def met(name, value):
    op, target = TARGETS[name]
    if value is None:
        return None
    return {">=": value >= target, "<=": value <= target, "<": value < target,
            "==": value == target}[op]


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    versions = {
        "httpd": run(["apache2", "-v"]).stdout.splitlines()[0],
        "postgresql": run(["/usr/lib/postgresql/15/bin/postgres", "--version"]).stdout.strip(),
        "wrk": run(["wrk", "-v"], check=False).stdout.splitlines()[0],
    }
    return {"host": platform.node(), "kernel": platform.release(), "cpu": cpu,
            "cores": os.cpu_count(), "memory_gib": round(mem / 1048576, 1), **versions}


def commit():
    head = run(["git", "-C", str(REPO), "rev-parse", "HEAD"]).stdout.strip()
    dirty = run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"]).stdout
    return head + ("+changes" if dirty.strip() else "")


ROWS = [
    ("a", "static file, authenticated (the ceiling)", "static"),
    ("a'", "static file, no authentication", "static_open"),
    ("b", "student page, random students, first view after a change (full render)", "page"),
    ("b'", "student page, random students, unchanged since rendered (page cache)",
     "page_warm"),
    ("c", "student page revalidated (304)", "page304"),
    ("d", "portal status API (JSON)", "api"),
    ("a", "static file, authenticated, one connection", "static_c1"),
    ("e", "one operator confirms one student", "confirm1"),
    ("e", f"one operator confirms a class of {BATCH}", "batch40"),
    ("f", f"{OPERATORS} operators confirm classes of {BATCH} at once", "batch40x16"),
    ("f'", f"{OPERATORS} operators, open loop at {OPEN_LOAD:.0%} of f's throughput", "batch40x16_open"),
    ("g", f"dashboard, {DEMO:,} students", "dashboard_demo"),
    ("g", "dashboard, large size", "dashboard_big"),
    ("i", "student page, 64 connections", "c64"),
    ("i", "student page, 1,000 connections", "c1000"),
    ("j", "static file behind mod_auth_cas, signed-in session", "static_cas"),
    ("j", "student page behind mod_auth_cas, signed-in session, unchanged", "page_cas"),
]


def markdown(result):
    f, r = result["figures"], result["ratios"]
    out = [f"Commit `{result['commit'][:12]}`, {result['date']}, {result['machine']['cpu']}, "
           f"{result['machine']['cores']} cores; {result['machine']['wrk']}, "
           f"{THREADS} threads, {CONNECTIONS} connections unless said, {DURATION} s a run"
           f" (page scenarios: median of {ROUNDS} alternating rounds).", "",
           "| | scenario | req/s | p50 ms | p99 ms | errors |", "|---|---|---:|---:|---:|---:|"]
    for key, label, name in ROWS:
        x = f.get(name)
        if not x:
            continue
        if name == "dashboard_big":
            label = f"dashboard, {result['big_students']:,} students"
        out.append(f"| {key} | {label} | {x['rps']:,.0f} | {x['p50_ms']:.2f} | "
                   f"{x['p99_ms']:.2f} | {x['errors']:.0f} |")
    imp = f["import"]
    out += ["", f"h: roster import of {imp['rows']:,} rows (GB18030): module "
            f"{imp['module_median_s']:.2f} s, the same COPY and merge by hand in psql "
            f"{imp['manual_median_s']:.2f} s (medians of 3, alternating).",
            f"Memory: {len(f['memory']['same_pids'])} httpd children, "
            f"{f['memory']['rss_before_kib']:,} KiB after warm-up, "
            f"{f['memory']['rss_after_kib']:,} KiB after {f['memory']['requests']:,} more "
            f"requests."]
    if f.get("door"):
        d = f["door"]
        out += [f"The door (tests/bench/bench_door.py; pg_stat_statements of the module's role, "
                f"{d['confirm1']['requests']} requests of each kind in a row on one connection): "
                + "; ".join(f"{label}: {d[k]['round_trips']:g} round trip"
                            f"{'' if d[k]['round_trips'] == 1 else 's'}, "
                            f"{d[k]['db_ms']:.3f} ms of the database "
                            f"({d[k]['db_plan_ms']:.3f} of it planning)"
                            for k, label in (("confirm1", "a confirm"),
                                             ("batch40", f"a class of {BATCH}"),
                                             ("revoke1", "a revoke")))
                + f". Open loop f': every class once a pass, {f['batch40x16_open']['passes']} "
                f"passes pooled, a mean pause of {f['batch40x16_open']['pause_mean_ms']:.1f} ms "
                f"before each batch; lock waits over 100 ms in PostgreSQL's log "
                f"(log_lock_waits, deadlock_timeout 100ms) during e, f and f': "
                f"{f['lock_waits']}."]
    if f.get("render"):
        x = f["render"]
        out += [f"Render of a student page on one thread (tests/bench/render_bench.c, "
                f"{x['pages']} pages x {x['rounds']}), libxml2 on malloc: transform context "
                f"{x['context_us']:.0f} µs, transform {x['transform_us']:.0f} µs, the "
                f"module's HTML writer {x['own_writer_us']:.0f} µs (libxml2's "
                f"{x['libxml2_writer_us']:.0f} µs, the same bytes), freeing the result "
                f"{x['free_us']:.0f} µs."]
    out += ["", "| figure | value | target | met |", "|---|---:|---|---|"]
    for name, value in r.items():
        if name in TARGETS:
            op, target = TARGETS[name]
            ok = met(name, value)
            out.append(f"| {name} | {value if value is not None else 'n/a'} | {op} {target} | "
                       f"{'yes' if ok else ('n/a' if ok is None else '**no**')} |")
        else:
            out.append(f"| {name} | {value} | (for information) | |")
    return "\n".join(out) + "\n"


def publish(name, title, marker, result, md):
    """bench/NAME.json (result) and bench/NAME.md (title, then md), and md copied into
    docs/performance.md between <!-- MARKER:begin --> and <!-- MARKER:end --> (exactly one
    of each, or the run ends with an error after bench/ is written)."""
    out = REPO / "bench"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    (out / f"{name}.md").write_text(f"# Latest `{title}`\n\n" + md)
    doc = REPO / "docs" / "performance.md"
    text = doc.read_text()
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        sys.exit(f"{doc}: expected one {begin} before one {end}; the results are in {out}")
    head, rest = text.split(begin, 1)
    doc.write_text(head + begin + "\n" + md + rest[rest.index(end):])
    print(md)


def write(result):
    publish("results", "make bench", "bench", result, markdown(result))


def main():
    started = datetime.datetime.now(datetime.timezone.utc)
    bench = Bench()
    try:
        bench.start()
        bench.pages()
        bench.cas_pages()
        bench.render()
        bench.connections()
        bench.memory()
        bench.dashboard("dashboard_demo")
        bench.confirmations()
        bench.imports()
        errors = [line for line in bench.httpd.log_since(0)
                  if re.search(r"\[[\w_]*:(error|crit|alert|emerg)\]", line)]
        bench.figures["error_log_lines"] = errors[:20]
    except BaseException:
        bench.cleanup()
        raise
    finally:
        bench.close()
    big_students = None
    try:
        if BIG:
            big = Big(BIG)
            try:
                big.start()
                big_students = big.students
                bench.wrk.url = big.httpd.url
                bench.dashboard("dashboard_big")
            finally:
                big.close()
    finally:
        bench.cleanup()
    result = {
        "commit": commit(),
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"threads": THREADS, "connections": CONNECTIONS, "duration_s": DURATION,
                     "rounds": ROUNDS, "demo_students": DEMO, "class_size": BATCH,
                     "step": STEP, "big_students": BIG},
        "big_students": big_students,
        "figures": bench.figures,
        "ratios": ratios(bench.figures),
        "targets": {k: f"{op} {v}" for k, (op, v) in TARGETS.items()},
        "wrk_runs": bench.wrk.runs,
    }
    result["met"] = {k: met(k, v) for k, v in result["ratios"].items() if k in TARGETS}
    write(result)


if __name__ == "__main__":
    main()
