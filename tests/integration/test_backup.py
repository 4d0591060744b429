"""docs/runbooks.md, "Backup" and "Restore into production", run as written (only the host,
port, CA and paths swapped for the test's) against a database server of the test's own
(tlspg.py: TCP, TLS, password logins) holding a migrated database with demo data.

- The crontab lines' commands, run under cron's environment alone (env -i with HOME, LOGNAME,
  PATH=/usr/bin:/bin, SHELL=/bin/sh) with the staged make install's backup.sh: the directory is
  made, one dump is written and nothing printed; with sslmode=verify-full and sslrootcert named
  on the line, and with a service of ~/.pg_service.conf.  Without sslrootcert (the issue's
  line) the same environment fails, and so does a wrong CA: no dump, nothing deleted.
- Dumps older than --keep-days are deleted, newer ones and other files kept.
- The restore: the runbook's new database, pg_restore, migrate.sh (nothing to apply), the
  module's role reading the restored rows, every table with the original's row count, and the
  sed that switches lixiao.conf's DBDParams.
"""
import os
import re
import secrets
import shutil
import subprocess
import time

import pytest
import requests

from debapache import Apache
from lxenv import IS_ROOT, REPO, run
from test_install import make_install, open_dir
from tlspg import APP_PASSWORD, TlsCluster, make_ca, pgpass

RUNBOOK = REPO / "docs/runbooks.md"
CRON_ENV = ("HOME", "LOGNAME", "PATH", "SHELL")


def section(heading):
    text = RUNBOOK.read_text()
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def blocks(heading, lang="sh"):
    """The lines of the fenced blocks of a section whose info string is lang ("" for
    plain ``` blocks)."""
    lines, fence = [], None
    for line in section(heading).splitlines():
        if line.startswith("```"):
            fence = line[3:].strip() if fence is None else None
        elif fence == lang and line.strip():
            lines.append(line)
    return lines


def crontab_lines():
    return [line for line in blocks("Backup", "")
            if re.match(r"^(\S+ ){5}/usr/share/mod_lixiao/scripts/backup\.sh ", line)]


@pytest.fixture(scope="module")
def site():
    """The database server with a database lixiao (migrated by migrate.sh as lx_admin, then
    the demo data), a staged make install, and root's home as the runbook has it."""
    server = TlsCluster("lx-backup-").create()
    base = open_dir("lx-backup-site-")
    try:
        db = server.create_db("lixiao")
        home = base / "home"
        home.mkdir()
        pgpass(home / ".pgpass", server)
        r = run([str(REPO / "scripts/migrate.sh"), server.conninfo(db)],
                env=dict(os.environ, HOME=str(home)))
        assert "migrate: applied 001_schema" in r.stdout
        server.psql(db, (REPO / "sql/demo/generate.sql").read_text(), variables={"size": "200"})
        staged = base / "root"
        make_install(staged)
        yield Site(server, base, home, staged)
    finally:
        shutil.rmtree(base, ignore_errors=True)
        server.close()


class Site:
    def __init__(self, server, base, home, staged):
        self.server, self.base, self.home, self.staged = server, base, home, staged
        self.backups = base / "backups" / "lixiao"

    def local(self, line):
        """A runbook line with the test's host, port, CA and paths."""
        return (line.replace("host=db.example.edu.cn", "host=localhost")
                .replace("port=5432", f"port={self.server.port}")
                .replace("/etc/ssl/certs/ca-certificates.crt", str(self.server.ca))
                .replace("/usr/share/mod_lixiao", f"{self.staged}/usr/share/mod_lixiao")
                .replace("/var/backups/lixiao", str(self.backups))
                .replace("HOME=/root", f"HOME={self.home}"))

    def cron(self, command):
        """command as cron runs it: /bin/sh -c with cron's variables and nothing else."""
        logname = "root" if IS_ROOT else os.environ.get("LOGNAME", "nobody")
        print(f"$ env -i HOME LOGNAME PATH=/usr/bin:/bin SHELL=/bin/sh /bin/sh -c '{command}'")
        return subprocess.run(["env", "-i", f"HOME={self.home}", f"LOGNAME={logname}",
                               "PATH=/usr/bin:/bin", "SHELL=/bin/sh", "/bin/sh", "-c", command],
                              capture_output=True, text=True, timeout=300)

    def dumps(self):
        return sorted(self.backups.glob("lixiao-*.dump"))


def command_of(crontab_line):
    return crontab_line.split(" ", 5)[5]


def test_the_crontab_line_works_under_crons_environment(site):
    lines = crontab_lines()
    assert len(lines) == 2 and "sslrootcert=" in lines[0] and '"service=lixiao"' in lines[1]
    for line in lines:
        assert "%" not in line
    # the installed script is this one
    script = site.staged / "usr/share/mod_lixiao/scripts/backup.sh"
    assert script.read_bytes() == (REPO / "scripts/backup.sh").read_bytes()
    assert os.access(script, os.X_OK)
    # the runbook's check "exactly as cron will" runs the crontab line's command
    check = [line for line in blocks("Backup") if line.startswith("env -i ")]
    assert check and command_of(lines[0]) in check[0]
    assert re.findall(r"\b([A-Z]+)=", check[0].split(" /bin/sh")[0]) == list(CRON_ENV)

    assert not site.backups.parent.exists()
    r = site.cron(site.local(command_of(lines[0])))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""
    assert site.backups.stat().st_mode & 0o777 == 0o700
    dumps = site.dumps()
    assert len(dumps) == 1 and re.fullmatch(r"lixiao-\d{4}-\d\d-\d\dT\d{6}Z\.dump", dumps[0].name)
    assert dumps[0].stat().st_mode & 0o777 == 0o600
    assert not list(site.backups.glob(".*.partial"))


def test_a_service_of_pg_service_conf(site):
    service = "\n".join(site.local(line) for line in blocks("Backup", "")
                        if re.match(r"^\[lixiao\]$|^\w+=", line)) + "\n"
    assert "sslmode=verify-full" in service and f"port={site.server.port}" in service
    (site.home / ".pg_service.conf").write_text(service)
    try:
        before = site.dumps()
        time.sleep(1.1)  # a new second: a new name
        r = site.cron(site.local(command_of(crontab_lines()[1])))
        assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.stderr
        assert len(site.dumps()) == len(before) + 1
    finally:
        (site.home / ".pg_service.conf").unlink()


def test_without_the_ca_on_the_line_it_fails_and_keeps_what_was_there(site, tmp_path):
    """The issue's line: sslmode=verify-full with no sslrootcert, under cron (no
    PGSSLROOTCERT, no ~/.postgresql/root.crt).  And a CA that did not sign the server."""
    line = site.local(command_of(crontab_lines()[0]))
    old = site.backups / "lixiao-2000-01-01T000000Z.dump"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(b"an old dump")
    subprocess.run(["touch", "-d", "60 days ago", str(old)], check=True)
    before = sorted(p.name for p in site.backups.iterdir())
    try:
        no_ca = re.sub(r" sslrootcert=\S+?(?=\")", "", line)
        assert "sslrootcert" not in no_ca
        r = site.cron(no_ca)
        assert r.returncode == 1 and "root certificate file" in r.stderr, r.stderr
        assert "no new dump" in r.stderr
        other = make_ca(tmp_path, "other-ca")
        r = site.cron(line.replace(str(site.server.ca), str(other)))
        assert r.returncode == 1 and "certificate verify failed" in r.stderr, r.stderr
        assert sorted(p.name for p in site.backups.iterdir()) == before
    finally:
        old.unlink()


def test_old_dumps_beyond_the_retention_go(site):
    site.backups.mkdir(parents=True, exist_ok=True)
    ages = {"lixiao-2026-01-01T023000Z.dump": "20 days ago",
            "lixiao-2026-01-06T023000Z.dump": "15 days ago",
            "lixiao-2026-01-08T023000Z.dump": "13 days ago",
            "lixiao-2026-01-20T023000Z.dump": "1 day ago",
            "other-2025-12-01T023000Z.dump": "50 days ago",
            "notes.txt": "90 days ago"}
    for name, age in ages.items():
        (site.backups / name).write_text(name)
        subprocess.run(["touch", "-d", age, str(site.backups / name)], check=True)
    before = {p.name for p in site.dumps()} - set(ages)
    time.sleep(1.1)
    r = site.cron(site.local(command_of(crontab_lines()[0])))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    names = {p.name for p in site.backups.iterdir() if not p.name.startswith(".")}
    gone = {"lixiao-2026-01-01T023000Z.dump", "lixiao-2026-01-06T023000Z.dump"}
    assert not names & gone
    assert set(ages) - gone <= names
    new = names - set(ages) - before
    assert len(new) == 1 and new.pop().startswith("lixiao-")
    for name in set(ages) - gone:
        (site.backups / name).unlink()


def status(apache, student, token):
    return requests.get(f"{apache.url}/lx/api/v1/students/{student}/status", timeout=30,
                        headers={"Authorization": f"Bearer {token}"}).status_code


def site_conf(db):
    """lixiao.conf as installation.md's site edits it, for the test's database server."""
    def edit(text):
        return (text.replace("host=db.example.edu.cn", f"host=localhost port={db.port}")
                .replace("password=CHANGE-ME", f"password={APP_PASSWORD}")
                .replace("sslrootcert=/etc/ssl/certs/ca-certificates.crt", f"sslrootcert={db.ca}"))
    return edit


def test_the_restore_into_production(site):
    """A dump restored by the runbook into lixiao_20260630, and a running Apache with the
    module switched to it by the runbook's sed and reload: the portal's token made before the
    dump still works, the one made after it (only in the old database) no longer does."""
    db = site.server
    before_dump, after_dump = secrets.token_hex(20), secrets.token_hex(20)
    db.psql("lixiao", f"SET ROLE lx_owner; SELECT lx.token_add('portal', 'before', '{before_dump}')")
    time.sleep(1.1)  # a new second: a new name
    dumps = set(site.dumps())
    r = site.cron(site.local(command_of(crontab_lines()[0])))
    assert r.returncode == 0, r.stderr
    (dump,) = set(site.dumps()) - dumps
    db.psql("lixiao", f"SET ROLE lx_owner; SELECT lx.token_add('portal', 'after', '{after_dump}')")

    lines = blocks("Restore into production")
    # the new database, by the runbook's SQL (as the superuser)
    start = lines.index("runuser -u postgres -- psql -v ON_ERROR_STOP=1 <<'EOF'")
    sql = "\n".join(lines[start + 1:lines.index("EOF", start)])
    assert "CREATE DATABASE lixiao_20260630 OWNER lx_owner" in sql
    db.psql("postgres", sql + "\n")

    env = dict({k: v for k, v in os.environ.items() if not k.startswith("PG")},
               HOME=str(site.home))
    restore, migrate, check = (site.local(line) for line in lines
                               if line.startswith(("pg_restore ", "/usr/share/mod_lixiao/",
                                                   "psql ")))
    restore = restore.replace(str(site.backups / "lixiao-2026-06-30T023000Z.dump"), str(dump))
    assert str(dump) in restore
    for command in (restore, migrate, check):
        r = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True)
        print(f"$ {command}\n{r.stdout}{r.stderr}", end="")      # pytest -s: the closing notes
        assert r.returncode == 0, command + "\n" + r.stderr
        if command is migrate:
            # a dump of this version: nothing to apply
            assert r.stdout == "" and r.stderr == ""
        if command is check:
            assert r.stdout.split()[2] == "200", r.stdout
    counts = db.row_counts("lixiao_20260630")
    counts["lx.api_token"] += 1  # the token made after the dump
    assert counts == db.row_counts("lixiao")
    assert db.table_owner("lixiao_20260630", "lx.student") == "lx_owner"
    assert db.table_owner("lixiao_20260630", "public.lx_migration") == "lx_owner"

    # the module on the old database, as installation.md's site edits lixiao.conf
    base = site.base / "apache"
    base.mkdir()
    apache = Apache(site.staged, base, site=site_conf(db))
    try:
        assert apache.cmd("a2enmod", "lixiao").returncode == 0
        apache.start()
        student = db.psql("lixiao", "SELECT min(student_no) FROM lx.student")[0][0]
        assert status(apache, student, before_dump) == 200
        assert status(apache, student, after_dump) == 200

        # the switch, by the runbook's commands (systemctl's reload is apache2ctl graceful)
        conf = apache.confdir / "mods-available/lixiao.conf"
        old = conf.read_text().splitlines()
        (sed,) = [line for line in lines if line.startswith("sed ")]
        (reload,) = [line for line in lines if line.startswith("apache2ctl configtest")]
        assert reload == "apache2ctl configtest && systemctl reload apache2"
        subprocess.run(["/bin/sh", "-c", sed.replace("/etc/apache2/mods-available/lixiao.conf",
                                                     str(conf))], check=True)
        changed = [(a, b) for a, b in zip(old, conf.read_text().splitlines()) if a != b]
        assert len(changed) == 1 and changed[0][0].startswith("DBDParams ")
        assert changed[0][1] == changed[0][0].replace("dbname=lixiao ", "dbname=lixiao_20260630 ")
        apache.graceful("/bin/sh", "-c", reload.replace("systemctl reload apache2",
                                                        "apache2ctl graceful"))
        assert status(apache, student, before_dump) == 200
        assert status(apache, student, after_dump) == 401
        # the old generation's children leave with their connections to the old database
        deadline = time.time() + 20
        while time.time() < deadline:
            connected = db.psql("postgres", "SELECT DISTINCT datname FROM pg_stat_activity"
                                            " WHERE usename = 'lx_app'")
            if connected == [["lixiao_20260630"]]:
                break
            time.sleep(0.2)
        assert connected == [["lixiao_20260630"]]
        apache.stop()
        assert not apache.bad_lines(), apache.log()
    finally:
        apache.stop()


def test_the_upgrades_commands_for_the_database(site):
    """docs/runbooks.md "Upgrade": the backup first, then migrate.sh with the connection
    string (a current database: nothing applied, nothing printed)."""
    lines = [site.local(line) for line in blocks("Upgrade")
             if line.startswith("/usr/share/mod_lixiao/scripts/")]
    assert [line.split()[0].rsplit("/", 1)[1] for line in lines] == ["backup.sh", "migrate.sh"]
    env = dict({k: v for k, v in os.environ.items() if not k.startswith("PG")},
               HOME=str(site.home))
    time.sleep(1.1)
    before = set(site.dumps())
    for command in lines:
        r = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True)
        print(f"$ {command}\n{r.stdout}{r.stderr}", end="")      # pytest -s: the closing notes
        assert r.returncode == 0 and r.stderr == "", command + "\n" + r.stderr
        assert r.stdout == ""
    assert len(set(site.dumps()) - before) == 1


def test_the_secret_rotations_commands_on_a_running_apache(site):
    """docs/runbooks.md "Rotating the forms' secret" on one node, as written (the scp to the
    other nodes aside; systemctl's reload is apache2ctl graceful): every step passes
    apache2ctl configtest and Apache keeps serving; at the end the new key is the only one.
    That the old key's forms go through during the overlap is test_csrf_rotation.py's."""
    base = site.base / "apache-rotation"
    base.mkdir()
    apache = Apache(site.staged, base, site=site_conf(site.server))
    conf = apache.confdir / "mods-available/lixiao.conf"
    secret = site.staged / "etc/apache2/lixiao.secret"
    original = secret.read_bytes()

    def local(line):
        return (line.replace("/etc/apache2/mods-available/lixiao.conf", str(conf))
                .replace("/etc/apache2/lixiao.secret", str(secret)))

    def sh(line):
        if line == "apache2ctl configtest && systemctl reload apache2":
            r = apache.ctl("configtest")
            print(f"$ {line}\n{r.stdout}{r.stderr}", end="")
            assert r.returncode == 0, r.stderr
            apache.graceful()
            assert apache.running() and apache.alive()
            return
        r = subprocess.run(["/bin/sh", "-c", local(line)], capture_output=True, text=True)
        print(f"$ {line}\n{r.stdout}{r.stderr}", end="")
        assert r.returncode == 0, line + "\n" + r.stderr

    def directive():
        return [l for l in conf.read_text().splitlines() if l.startswith("LixiaoSecretPrevious")]

    sh_lines = blocks("Rotating the forms' secret")
    (step1,) = [l for l in blocks("Rotating the forms' secret", "")
                if l.startswith("LixiaoSecretPreviousFile ")]
    reload = "apache2ctl configtest && systemctl reload apache2"
    assert sh_lines.count(reload) == 3
    try:
        assert apache.cmd("a2enmod", "lixiao").returncode == 0
        apache.start()
        make, scp = sh_lines[0], sh_lines[1]
        assert scp.startswith("scp -p /etc/apache2/lixiao.secret.next ")
        sh(make)
        new = secret.with_name("lixiao.secret.next").read_bytes()
        assert len(new) == 48 and new != original
        # step 1: the directive after LixiaoSecretFile, then the reload
        text = conf.read_text().splitlines()
        at = next(i for i, l in enumerate(text) if l.startswith("LixiaoSecretFile "))
        conf.write_text("\n".join(text[:at + 1] + [local(step1)] + text[at + 1:]) + "\n")
        print(f"(added to lixiao.conf) {step1}")
        sh(sh_lines[2])
        # step 2: the keys change places
        for line in sh_lines[3:7]:
            sh(line)
        assert secret.read_bytes() == new
        assert secret.with_name("lixiao.secret.prev").read_bytes() == original
        assert directive() == [f"LixiaoSecretPreviousFile {secret}.prev 2026-07-02T08:00+08:00"]
        # step 3: the old key gone
        for line in sh_lines[7:10]:
            sh(line)
        assert directive() == [] and not secret.with_name("lixiao.secret.prev").exists()
        assert sh_lines[10:] == []
        apache.stop()
        assert not apache.bad_lines(), apache.log()
    finally:
        apache.stop()
        secret.write_bytes(original)
