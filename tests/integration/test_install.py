"""make install, staged below DESTDIR: the files of Debian's layout, a second run that keeps
the site's configuration and secret, Debian's own Apache configuration (a copy of /etc/apache2)
with the staged module enabled by a2enmod passing apache2ctl -t, and that Apache started with
the production lixiao.conf behind a CAS server.

Nothing outside the test's directories changes: the staged root, the copy of /etc/apache2
(APACHE_CONFDIR, with its own port, pid file and logs) and a2enmod's state markers
(APACHE_STATE_DIRECTORY) all live in temporary directories.
"""
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from casserver import CasServer, cas_browser, login_fields
from lxenv import BAD_LEVEL, IS_ROOT, REPO, free_port

STUDENT = "2022010002"

LIBEXECDIR = subprocess.run(["apxs", "-q", "LIBEXECDIR"], capture_output=True, text=True,
                            check=True).stdout.strip()


def make_install(root):
    r = subprocess.run(["make", "-s", "-C", str(REPO), "install", f"DESTDIR={root}"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def open_dir(prefix):
    """A new directory below /tmp that httpd's children (www-data) can enter, unlike
    tmp_path's (mode 0700)."""
    d = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    d.chmod(0o755)
    return d


@pytest.fixture(scope="module")
def staged():
    root = open_dir("lx-staged-")
    make_install(root)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_the_files_of_debians_layout(staged):
    so = staged / LIBEXECDIR.lstrip("/") / "mod_lixiao.so"
    assert so.is_file() and so.read_bytes()[:4] == b"\x7fELF"
    avail = staged / "etc/apache2/mods-available"
    load = (avail / "lixiao.load").read_text()
    assert load.startswith("# Depends: dbd auth_cas headers reqtimeout socache_shmcb\n")
    assert f"LoadModule lixiao_module {LIBEXECDIR}/mod_lixiao.so" in load
    assert (avail / "lixiao.conf").read_text() == (REPO / "conf/lixiao.conf").read_text()
    # the configuration holds the database's password
    assert stat.S_IMODE((avail / "lixiao.conf").stat().st_mode) & 0o007 == 0
    secret = staged / "etc/apache2/lixiao.secret"
    assert secret.stat().st_size >= 32 and stat.S_IMODE(secret.stat().st_mode) == 0o600

    share = staged / "usr/share/mod_lixiao"
    for name in ("layout.xsl", "student.xsl", "error.xsl", "static/lx.css"):
        assert (share / "templates" / name).read_bytes() == (REPO / "templates" / name).read_bytes()
    migrations = sorted(p.name for p in (REPO / "sql").glob("[0-9][0-9][0-9]_*.sql"))
    assert sorted(p.name for p in (share / "sql").iterdir()) == sorted(migrations + ["functions"])
    # migrate.sh applies every definition of sql/functions/ after the migrations
    definitions = sorted(p.name for p in (REPO / "sql/functions").glob("*.sql"))
    assert definitions and sorted(p.name for p in (share / "sql/functions").iterdir()) == definitions
    for name in definitions:
        assert (share / "sql/functions" / name).read_bytes() == \
            (REPO / "sql/functions" / name).read_bytes()
    migrate = share / "scripts/migrate.sh"
    assert migrate.read_text() == (REPO / "scripts/migrate.sh").read_text()
    assert os.access(migrate, os.X_OK)
    # the import command, on the PATH, the same build as the tests run
    cli = staged / "usr/local/bin/lixiao-import"
    assert os.access(cli, os.X_OK)
    assert cli.read_bytes() == (REPO / "build/lixiao-import").read_bytes()
    r = subprocess.run([str(cli), "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--kind" in r.stdout
    # and the administration command
    admin = staged / "usr/local/bin/lixiao-admin"
    assert admin.read_bytes() == (REPO / "build/lixiao-admin").read_bytes()
    r = subprocess.run([str(admin), "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "institution add CODE NAME" in r.stdout


def test_a_second_run_keeps_the_sites_configuration_and_secret(tmp_path):
    root = tmp_path / "root"
    make_install(root)
    conf = root / "etc/apache2/mods-available/lixiao.conf"
    secret = (root / "etc/apache2/lixiao.secret").read_bytes()
    edited = conf.read_text().replace("db.example.edu.cn", "pg1.campus.example")
    conf.write_text(edited)
    stale = root / "usr/share/mod_lixiao/templates/retired.xsl"
    stale.write_text("<old/>")

    out = make_install(root)
    assert conf.read_text() == edited
    assert (conf.parent / "lixiao.conf.dist").read_text() == (REPO / "conf/lixiao.conf").read_text()
    assert "kept your" in out and "lixiao.conf.dist" in out
    assert (root / "etc/apache2/lixiao.secret").read_bytes() == secret
    assert not stale.exists()
    assert not list(root.rglob("*.new")) and not list(root.rglob("*.old"))


def debian_apache(staged, confdir, state, site=lambda text: text):
    """A copy of /etc/apache2 in confdir with the staged lixiao.load and lixiao.conf (edited by
    site, as a site edits its copy), enabled by a2enmod; returns the environment under which
    a2enmod and apache2ctl use that copy."""
    shutil.copytree("/etc/apache2", confdir, symlinks=True)
    for name in ("lixiao.load", "lixiao.conf"):
        text = (staged / "etc/apache2/mods-available" / name).read_text()
        # the staged files name their installed places: point them below the staged root
        for installed in (f"{LIBEXECDIR}/mod_lixiao.so", "/usr/share/mod_lixiao",
                          "/etc/apache2/lixiao.secret"):
            text = text.replace(installed, f"{staged}{installed}")
        (confdir / "mods-available" / name).write_text(site(text))
    for name in ("lixiao", "dbd", "headers"):
        for ext in ("load", "conf"):
            (confdir / "mods-enabled" / f"{name}.{ext}").unlink(missing_ok=True)
    env = dict(os.environ, APACHE_CONFDIR=str(confdir), APACHE_STATE_DIRECTORY=str(state))
    r = subprocess.run(["a2enmod", "lixiao"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return env


def test_debians_apache_accepts_the_enabled_module(staged, tmp_path):
    """a2enmod lixiao in a copy of /etc/apache2 also enables dbd, auth_cas and headers; the
    whole of Debian's configuration with the production sample then passes apache2ctl -t."""
    confdir = tmp_path / "apache2"
    env = debian_apache(staged, confdir, tmp_path / "state")
    for name in ("lixiao.load", "lixiao.conf", "dbd.load", "auth_cas.load", "headers.load"):
        assert (confdir / "mods-enabled" / name).exists(), name

    r = subprocess.run(["apache2ctl", "-t"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "Syntax OK" in r.stderr, r.stdout + r.stderr
    r = subprocess.run(["apache2ctl", "-M"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for module in ("lixiao_module", "dbd_module", "auth_cas_module", "headers_module"):
        assert module in r.stdout


@pytest.fixture
def site_dir():
    d = open_dir("lx-site-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_the_documented_steps_give_lx_behind_cas(staged, env, site_dir):
    """Debian's Apache started from a copy of /etc/apache2 with the staged module and the
    production lixiao.conf, edited only where docs/installation.md says a site edits it
    (database, CAS server and its CA, plus a test's own port and directories), in front of the
    session's database and a CAS server on loopback: a student signs in through CAS and lands
    on their sheet, a stranger gets the 403 page, a program's token passes without CAS, and
    logout drops the session cookie and ends the CAS session (single log-out is off)."""
    port = free_port()
    cas = CasServer(site_dir, free_port())
    cas.start([STUDENT, "stranger"], rf"^http://127\.0\.0\.1:{port}/lx/")
    sessions = site_dir / "cas-sessions"
    sessions.mkdir(mode=0o700)
    if IS_ROOT:
        shutil.chown(sessions, "www-data", "www-data")
    run_dir = site_dir / "run"
    run_dir.mkdir()

    def site(text):
        text = re.sub(r"host=db\.example\.edu\.cn (.*?)password=CHANGE-ME",
                      rf"host={env.cluster.sock} \1password={env.cluster.dbpass}", text)
        text = text.replace("https://cas.example.edu.cn/cas", cas.url)
        text = text.replace("CASCertificatePath /etc/ssl/certs/", f"CASCertificatePath {cas.cert}")
        return text.replace("CASCookiePath /var/cache/apache2/mod_auth_cas/",
                            f"CASCookiePath {sessions}/")

    confdir = site_dir / "apache2"
    apache_env = debian_apache(staged, confdir, site_dir / "state", site)
    # the test's own port, server name and run-time directories instead of the system's
    (confdir / "ports.conf").write_text(f"Listen 127.0.0.1:{port}\n")
    with open(confdir / "apache2.conf", "a") as f:
        f.write("ServerName 127.0.0.1\n")
    envvars = (confdir / "envvars").read_text()
    for var in ("APACHE_PID_FILE", "APACHE_RUN_DIR", "APACHE_LOCK_DIR", "APACHE_LOG_DIR"):
        value = run_dir / "apache2.pid" if var == "APACHE_PID_FILE" else run_dir
        envvars = re.sub(rf"^export {var}=.*$", f"export {var}={value}", envvars, flags=re.M)
    (confdir / "envvars").write_text(envvars)

    url = f"http://127.0.0.1:{port}"
    r = subprocess.run(["apache2ctl", "start"], env=apache_env, capture_output=True, text=True)
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        wait_for_port(port)
        s = cas_browser(cas)
        page = s.get(url + "/lx/", timeout=30)
        assert page.url.startswith(cas.url + "/login?service="), page.url
        data = dict(login_fields(page.text), username=STUDENT, password="demo")
        page = s.post(page.url, data=data, headers={"Referer": page.url}, timeout=30)
        assert page.status_code == 200 and page.url == url + "/lx/", page.url
        name = env.cluster.psql(f"SELECT name FROM lx.student WHERE student_no = '{STUDENT}'")
        assert name[0][0] in page.text
        assert s.get(url + "/lx/static/lx.css", timeout=30).status_code == 200

        # the balancer's probe passes without CAS
        health = requests.get(url + "/lx/health", timeout=30, allow_redirects=False)
        assert health.status_code == 200 and health.json()["status"] == "ok", health.text

        api = requests.get(url + f"/lx/api/v1/students/{STUDENT}/status", timeout=30,
                           headers={"Authorization": "Bearer wrong"}, allow_redirects=False)
        assert api.status_code == 401 and api.json()["error"]["code"] == "unauthenticated"

        out = s.get(url + "/lx/logout", allow_redirects=False, timeout=30)
        assert out.status_code == 302 and out.headers["Location"] == cas.url + "/logout"
        # (the sample drops MOD_AUTH_CAS_S, the cookie over HTTPS; this test site is plain HTTP)
        assert s.get(out.headers["Location"], timeout=30).status_code == 200
        s.cookies.clear(domain="127.0.0.1", path="/lx/", name="MOD_AUTH_CAS")
        again = s.get(url + "/lx/", timeout=30)
        assert again.url.startswith(cas.url + "/login?service=")
        assert 'name="password"' in again.text

        s2 = cas_browser(cas)
        page = s2.get(url + "/lx/", timeout=30)
        page = s2.post(page.url, data=dict(login_fields(page.text), username="stranger",
                                           password="demo"),
                       headers={"Referer": page.url}, timeout=30)
        assert page.status_code == 403 and "账号未登记" in page.text
        # its 请求编号 is in the module's access log (lixiao.conf's GlobalLog, with %L), which
        # leaves the balancers' probes out
        rid = re.search(r"请求编号 <code>([^<]+)</code>", page.text).group(1)
        access = run_dir / "lixiao_access.log"
        deadline = time.time() + 5
        while rid not in access.read_text() and time.time() < deadline:
            time.sleep(0.1)
        line, = [x for x in access.read_text().splitlines() if x.endswith(" " + rid)]
        assert '"GET /lx/ HTTP/1.1" 403 ' in line, line
        assert "/lx/health" not in access.read_text()
    finally:
        subprocess.run(["apache2ctl", "stop"], env=apache_env, capture_output=True)
        wait_for_exit(run_dir / "apache2.pid")
        cas.stop()
    log = (run_dir / "error.log").read_text()
    assert not [line for line in log.splitlines() if BAD_LEVEL.search(line)], log


def wait_for_port(port):
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def wait_for_exit(pidfile):
    deadline = time.time() + 20
    while pidfile.exists() and time.time() < deadline:
        time.sleep(0.1)


def doc_block(heading, lang):
    """The first ```lang block after heading in docs/installation.md."""
    text = (REPO / "docs" / "installation.md").read_text()
    after = text[text.index(heading):]
    return re.search(rf"```{lang}\n(.*?)```", after, re.S).group(1)


def test_the_documented_database_steps():
    """docs/installation.md, steps 2 and 6, on a cluster of its own: the roles and database of
    its SQL, the schema by migrate.sh as lx_admin (no superuser), a second run that applies
    nothing, the first administrator, then pg_dump and pg_restore into a new database."""
    base = open_dir("lx-dbsteps-")
    pg = [str(REPO / "scripts/pg.sh")]
    psql = ["/usr/lib/postgresql/15/bin/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
            "-h", str(base / "run")]
    try:
        subprocess.run(pg + ["init", str(base)], check=True, capture_output=True)
        with open(base / "pg/pg_hba.conf", "a") as f:
            f.write("local   lixiao,lixiao_restore   lx_admin,lx_app   scram-sha-256\n")
        subprocess.run(pg + ["start", str(base)], check=True, capture_output=True)
        sql = doc_block("\n## 2. The database\n", "sql")
        sql = sql.replace("'a long random password'", "'app-pw'")
        sql = sql.replace("'another long random password'", "'admin-pw'")
        superuser = (["runuser", "-u", "postgres", "--"] if IS_ROOT else []) + psql
        subprocess.run(superuser + ["-d", "postgres"], input=sql, text=True, check=True,
                       capture_output=True)
        admin = dict(os.environ, PGUSER="lx_admin", PGPASSWORD="admin-pw")
        migrate = [str(REPO / "scripts/migrate.sh"), str(base / "run"), "lixiao"]
        first = subprocess.run(migrate, env=admin, capture_output=True, text=True)
        assert first.returncode == 0, first.stderr
        migrations = sorted(p.stem for p in (REPO / "sql").glob("[0-9][0-9][0-9]_*.sql"))
        assert first.stdout.split() == [w for m in migrations for w in ("migrate:", "applied", m)]
        again = subprocess.run(migrate, env=admin, capture_output=True, text=True)
        assert again.returncode == 0 and again.stdout == "", again.stderr

        def as_admin(db, *commands):
            argv = psql + ["-d", db] + [a for c in commands for a in ("-c", c)]
            return subprocess.run(argv, env=admin, capture_output=True, text=True, check=True)

        as_admin("lixiao", "SET ROLE lx_owner", "INSERT INTO lx.operator (login, name, is_admin) "
                 "VALUES ('zhangsan', '张三', true)")
        # the module's role reads what it must, and nothing more
        app = dict(os.environ, PGUSER="lx_app", PGPASSWORD="app-pw")
        r = subprocess.run(psql + ["-d", "lixiao", "-c", "SELECT name FROM lx.operator"],
                           env=app, capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.strip() == "张三", r.stderr
        r = subprocess.run(psql + ["-d", "lixiao", "-c", "DELETE FROM lx.operator"],
                           env=app, capture_output=True, text=True)
        assert r.returncode != 0 and "permission denied" in r.stderr

        dump = base / "lixiao.dump"
        subprocess.run(["pg_dump", "-h", str(base / "run"), "-Fc", "-f", str(dump), "lixiao"],
                       env=admin, check=True, capture_output=True)
        subprocess.run(superuser + ["-d", "postgres", "-c",
                                    "CREATE DATABASE lixiao_restore OWNER lx_owner "
                                    "ENCODING 'UTF8' LOCALE 'C.UTF-8' TEMPLATE template0",
                                    "-c", "GRANT CONNECT ON DATABASE lixiao_restore "
                                    "TO lx_app, lx_admin"], check=True, capture_output=True)
        r = subprocess.run(["pg_restore", "-h", str(base / "run"), "-d", "lixiao_restore",
                            "--no-owner", "--role=lx_owner", "--exit-on-error", str(dump)],
                           env=admin, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        restored = as_admin("lixiao_restore", "SELECT count(*) FROM public.lx_migration",
                            "SET ROLE lx_owner", "SELECT count(*) FROM lx.step").stdout.split()
        original = as_admin("lixiao", "SELECT count(*) FROM public.lx_migration",
                            "SET ROLE lx_owner", "SELECT count(*) FROM lx.step").stdout.split()
        assert restored == original and restored[0] == str(len(migrations))
        r = subprocess.run(psql + ["-d", "lixiao_restore", "-c", "SELECT name FROM lx.operator"],
                           env=app, capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.strip() == "张三", r.stderr
    finally:
        subprocess.run(pg + ["stop", str(base)], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
