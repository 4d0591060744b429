"""The test environment: a private PostgreSQL cluster and Debian's httpd with the module, in a
temporary directory, on free loopback ports.  Built from the same scripts as the demo
(scripts/pg.sh, scripts/httpd-conf.sh), so the tests exercise what `make run` runs.

As root, PostgreSQL runs as postgres and httpd's children as www-data: the directory is made
readable for them, and the stylesheets are copied into it (the checkout may lie below /root).
"""
import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

import idleak
from casserver import CasServer

REPO = Path(__file__).resolve().parents[2]
PGBIN = Path("/usr/lib/postgresql/15/bin")
ASAN_RUNTIME = "/usr/lib/x86_64-linux-gnu/libasan.so.8"
MODULE = REPO / "mod_lixiao" / ".libs" / "mod_lixiao.so"
IS_ROOT = os.geteuid() == 0
# conf/httpd-envvars: "export NAME=value" lines
HTTPD_ENVVARS = dict(re.findall(r"^export (\w+)=(\S*)$",
                                (REPO / "conf" / "httpd-envvars").read_text(), re.M))
PASSWORD = "demo"

# error-log lines at these levels fail a test unless the test said it expects them
BAD_LEVEL = re.compile(r"\[[\w_]*:(warn|error|crit|alert|emerg)\]")


def unexpected_lines(httpd, offset, patterns):
    """The error-log lines since offset at a bad level that no pattern of the test matches.
    Under make test-asan a child that takes long to exit (LeakSanitizer scans its 1,100 thread
    stacks) is expected."""
    if os.environ.get("LX_ASAN_LOG"):
        patterns = [*patterns, re.compile(r"AH00045|AH00046")]
    return [line for line in httpd.log_since(offset)
            if BAD_LEVEL.search(line) and not any(p.search(line) for p in patterns)]


@contextlib.contextmanager
def running(env):
    """env started, and closed afterwards, also on failure (then saying where it was).  Before
    it goes, no resident ID number may be in any of its logs (idleak.py; an env whose logs
    lie elsewhere than env.base/log searches them with its own leaks())."""
    failed = True
    try:
        env.start()
        yield env
        found = env.leaks() if hasattr(env, "leaks") else idleak.leaks(env)
        assert not found, idleak.describe(found)
        failed = False
    finally:
        env.close(keep=False)
        if failed:
            print(f"\n(test environment was in {env.base})")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(argv):
    return ["runuser", "-u", "postgres", "--"] + argv if IS_ROOT else argv


def run(argv, **kw):
    kw.setdefault("check", True)
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(argv, **kw)


class Cluster:
    """scripts/pg.sh's cluster in DIR/pg, socket in DIR/run."""

    def __init__(self, base: Path):
        self.base = base
        self.sock = base / "run"
        self.dbpass = secrets.token_hex(12)

    def create(self, size, **generate):
        """A new cluster with the demo data of this size; generate: more psql variables of
        sql/demo/generate.sql (class_size=40)."""
        run([str(REPO / "scripts/pg.sh"), "init", str(self.base)])
        self.start()
        run([str(REPO / "scripts/pg.sh"), "setup", str(self.base), self.dbpass])
        gen = (REPO / "sql/demo/generate.sql").read_text()
        self.psql_file(gen, variables={"size": str(size), **{k: str(v) for k, v in generate.items()}})

    def start(self):
        run([str(REPO / "scripts/pg.sh"), "start", str(self.base)])

    def stop(self):
        run([str(REPO / "scripts/pg.sh"), "stop", str(self.base)], check=False)

    def restart(self, mode="fast"):
        run(as_postgres([str(PGBIN / "pg_ctl"), "-D", str(self.base / "pg"), "-m", mode,
                         "-w", "-t", "60", "-l", str(self.base / "log/postgresql.log"),
                         "restart"]))

    def psql(self, sql, db="lixiao"):
        """Run SQL as the superuser; the rows come back as lists of strings."""
        out = run(as_postgres([str(PGBIN / "psql"), "-X", "-q", "-At", "-F", "\t",
                               "-v", "ON_ERROR_STOP=1", "-h", str(self.sock), "-d", db]),
                  input=sql).stdout
        return [line.split("\t") for line in out.splitlines()]

    def psql_file(self, sql, variables=None):
        argv = [str(PGBIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", str(self.sock), "-d", "lixiao", "-f", "-"]
        for k, v in (variables or {}).items():
            argv[1:1] = ["-v", f"{k}={v}"]
        return run(as_postgres(argv), input=sql)

    def app_psql(self, sql, check=True):
        """Run SQL as the module's role lx_app (its grants are what is tested)."""
        env = dict(os.environ, PGPASSWORD=self.dbpass)
        return run([str(PGBIN / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                    "-h", str(self.sock), "-U", "lx_app", "-d", "lixiao"],
                   input=sql, env=env, check=check)


def httpd_env():
    """The environment to run apache2 in: conf/httpd-envvars (as production's
    /etc/apache2/envvars carries it), and for make test-asan's build of the module (LX_ASAN_LOG
    set) the AddressSanitizer runtime loaded before anything else, its reports going to
    LX_ASAN_LOG.<pid>."""
    env = dict(os.environ, **HTTPD_ENVVARS)
    if not os.environ.get("LX_ASAN_LOG"):
        return env
    return dict(env, LD_PRELOAD=ASAN_RUNTIME,
                ASAN_OPTIONS=f"log_path={os.environ['LX_ASAN_LOG']}:detect_leaks=1:"
                             "fast_unwind_on_malloc=0:malloc_context_size=12",
                LSAN_OPTIONS=f"suppressions={REPO / 'tests/asan/lsan.supp'}:print_suppressions=0:"
                             "exitcode=0")


class Httpd:
    """Debian's apache2 with the module, configured by scripts/httpd-conf.sh."""

    def __init__(self, base: Path, cluster: Cluster, templates: Path, cas=None):
        self.base = base
        self.cluster = cluster
        self.templates = templates
        self.cas = cas  # a casserver.CasServer: sign in through it instead of the password file
        self.port = free_port()
        self.conf = base / "conf" / "httpd.conf"
        self.error_log = base / "log" / "error_log"
        self.url = f"http://127.0.0.1:{self.port}"

    def configure(self):
        cas = ["--cas", self.cas.url, str(self.cas.cert)] if self.cas else []
        run([str(REPO / "scripts/httpd-conf.sh"), str(self.base), str(self.port),
             self.cluster.dbpass, str(self.templates), *cas])

    def start(self):
        """Returns when httpd answers on its port and has written its pid file (the port opens
        a moment before: a stop() in between would find no pid and leave httpd running)."""
        run(["apache2", "-f", str(self.conf), "-k", "start"], env=httpd_env())
        pidfile = self.base / "run" / "httpd.pid"
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    if pidfile.exists():
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("httpd did not start: " + self.error_log.read_text())

    def stop(self):
        pidfile = self.base / "run" / "httpd.pid"
        if not pidfile.exists():
            return
        run(["apache2", "-f", str(self.conf), "-k", "stop"], check=False, env=httpd_env())
        deadline = time.time() + 20
        while pidfile.exists() and time.time() < deadline:
            time.sleep(0.1)
        # the pid file goes with the parent; a child still exiting holds the port (under
        # make test-asan LeakSanitizer scans its 1,100 thread stacks first), and a start
        # meanwhile could not bind it
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    time.sleep(0.1)
            except OSError:
                return

    def pids(self):
        """(parent pid, sorted child pids): the same after an outage means no restart."""
        parent = int((self.base / "run" / "httpd.pid").read_text())
        children = []
        for task in Path(f"/proc/{parent}/task").iterdir():
            children += (task / "children").read_text().split()
        return parent, sorted(int(c) for c in children)

    @contextlib.contextmanager
    def extra_conf(self, name, text):
        """httpd restarted with conf/extra/NAME.conf holding text, and restarted without it
        afterwards, also on failure."""
        path = self.base / "conf" / "extra" / f"{name}.conf"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        try:
            self.stop()
            self.start()
            yield self
        finally:
            path.unlink()
            self.stop()
            self.start()

    def log_size(self):
        return self.error_log.stat().st_size if self.error_log.exists() else 0

    def log_since(self, offset):
        if not self.error_log.exists():
            return []
        with open(self.error_log, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace").splitlines()

    def get(self, path, user=None, password=PASSWORD, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 20)
        auth = (user, password) if user else None
        return requests.get(self.url + path, auth=auth, **kw)

    def request(self, method, path, user=None, password=PASSWORD, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 20)
        auth = (user, password) if user else None
        return requests.request(method, self.url + path, auth=auth, **kw)


def new_base(prefix):
    """A new temporary directory that postgres and www-data may enter."""
    base = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    base.chmod(0o755)
    return base


def copy_templates(base):
    """The stylesheets copied to base/templates, readable by httpd's children."""
    templates = base / "templates"
    shutil.copytree(REPO / "templates", templates)
    for p in [templates, *templates.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return templates


class Env:
    """One cluster and one httpd for the whole session.  cas=True: a CAS server on loopback
    (tests/integration/casserver.py) that knows every login of the database and "stranger",
    and httpd signs in through it (mod_auth_cas) instead of the password file."""

    def __init__(self, size=400, cas=False, **generate):
        self.base = new_base("lx-test-")
        self.templates = copy_templates(self.base)
        self.cluster = Cluster(self.base)
        self.cas = CasServer(self.base, free_port()) if cas else None
        self.httpd = Httpd(self.base, self.cluster, self.templates, cas=self.cas)
        self.size = size
        self.generate = generate

    def start(self):
        self.cluster.create(self.size, **self.generate)
        if self.cas:
            logins = [row[0] for row in self.cluster.psql(
                "SELECT login FROM lx.operator UNION ALL SELECT student_no FROM lx.student")]
            self.cas.start(logins + ["stranger"],
                           rf"^http://127\.0\.0\.1:{self.httpd.port}/lx/")
        self.httpd.configure()
        self.httpd.start()

    def close(self, keep=False):
        self.httpd.stop()
        if self.cas:
            self.cas.stop()
        self.cluster.stop()
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)
