"""make uninstall (scripts/uninstall.sh), as test_install.py stages make install: below DESTDIR,
with Debian's Apache configuration copied (APACHE_CONFDIR, its own port, pid file and logs) and
a2enmod's state copied from /var/lib/apache2 (APACHE_STATE_DIRECTORY), so that a module a
package enabled (Debian's reqtimeout) is told from one a2enmod lixiao enabled.

- Install then uninstall leaves a staged tree as it was, file by file; without PURGE=1 an edited
  lixiao.conf and lixiao.secret stay, and a new install keeps using them.
- The trap of issue 21: a2dismod lixiao alone passes apache2ctl -t and the next graceful restart
  stops Apache (auth_cas stays enabled without lixiao.conf's CASLoginURL).
- make uninstall on a running Apache with the module enabled: the enabled modules, confs and
  sites are those of before a2enmod lixiao, apache2ctl -t passes, the graceful restart keeps
  Apache serving, and a fresh start works.
- Another configuration using CAS keeps auth_cas, once it has its own CAS URLs (refused before,
  with nothing changed); one using the module is named and nothing changes.
"""
import os
import re
import shutil
import subprocess
import time

import pytest
import requests

from lxenv import BAD_LEVEL, IS_ROOT, REPO, free_port
from test_install import LIBEXECDIR, make_install, open_dir, wait_for_port

ENABLED = ("mods-enabled", "conf-enabled", "sites-enabled")


def make_uninstall(root, env=None, purge=False, check=True):
    argv = ["make", "-s", "-C", str(REPO), "uninstall", f"DESTDIR={root}"]
    if purge:
        argv.append("PURGE=1")
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def tree(root):
    """Every path below root: its mode, and its bytes (files) or target (links)."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        if p.is_symlink():
            what = os.readlink(p)
        elif p.is_file():
            what = p.read_bytes()
        else:
            what = None
        out[str(p.relative_to(root))] = (st.st_mode, what)
    return out


def machine_like(root):
    """A staged root with what a Debian machine has before make install: the directories
    install.sh writes into, and files of others in them."""
    for d in (LIBEXECDIR.lstrip("/"), "etc/apache2/mods-available", "usr/local/bin", "usr/share"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / LIBEXECDIR.lstrip("/") / "mod_other.so").write_bytes(b"\x7fELF other")
    (root / "etc/apache2/mods-available/other.load").write_text("LoadModule other_module x\n")
    (root / "usr/local/bin/other-tool").write_text("#!/bin/sh\n")
    (root / "usr/share/other").mkdir()
    (root / "usr/share/other/file").write_text("kept\n")
    return root


def test_install_then_uninstall_leaves_the_tree_as_before(tmp_path):
    root = machine_like(tmp_path / "root")
    before = tree(root)
    make_install(root)
    assert (root / "usr/share/mod_lixiao/scripts/migrate.sh").exists()
    r = make_uninstall(root, purge=True)
    assert tree(root) == before, r.stdout
    # again: nothing left to remove, no error
    make_uninstall(root, purge=True)
    assert tree(root) == before

    # this version's sample, unedited, goes; the secret stays without PURGE=1
    make_install(root)
    secret = (root / "etc/apache2/lixiao.secret").read_bytes()
    r = make_uninstall(root)
    assert "kept /etc/apache2/lixiao.secret" in r.stdout
    left = tree(root)
    assert set(left) - set(before) == {"etc/apache2/lixiao.secret"}
    assert {k: v for k, v in left.items() if k in before} == before


def test_an_edited_configuration_and_the_secret_stay_without_purge(tmp_path):
    root = machine_like(tmp_path / "root")
    before = tree(root)
    make_install(root)
    conf = root / "etc/apache2/mods-available/lixiao.conf"
    secret = (root / "etc/apache2/lixiao.secret").read_bytes()
    edited = conf.read_text().replace("db.example.edu.cn", "pg1.campus.example")
    conf.write_text(edited)

    r = make_uninstall(root)
    assert "kept your /etc/apache2/mods-available/lixiao.conf" in r.stdout
    assert set(tree(root)) - set(before) == {"etc/apache2/mods-available/lixiao.conf",
                                             "etc/apache2/lixiao.secret"}
    assert not (root / "usr/share/mod_lixiao").exists()
    assert not (root / LIBEXECDIR.lstrip("/") / "mod_lixiao.so").exists()
    # installed again: the site's configuration and key as they were
    make_install(root)
    assert conf.read_text() == edited
    assert (root / "etc/apache2/lixiao.secret").read_bytes() == secret
    make_uninstall(root, purge=True)
    assert tree(root) == before


class Apache:
    """A copy of /etc/apache2 (and of a2enmod's state) with the staged module, on a port of
    its own, lixiao.conf pointed at the session's database and a CAS session directory of its
    own (the CAS server itself is not needed to start)."""

    def __init__(self, staged, base, env):
        self.staged = staged
        self.confdir = base / "apache2"
        self.state = base / "state"
        self.run_dir = base / "run"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        shutil.copytree("/etc/apache2", self.confdir, symlinks=True)
        shutil.copytree("/var/lib/apache2", self.state, symlinks=True)
        self.run_dir.mkdir()
        sessions = base / "cas-sessions"
        sessions.mkdir(mode=0o700)
        if IS_ROOT:
            shutil.chown(sessions, "www-data", "www-data")
        for name in ("lixiao.load", "lixiao.conf"):
            text = (staged / "etc/apache2/mods-available" / name).read_text()
            for installed in (f"{LIBEXECDIR}/mod_lixiao.so", "/usr/share/mod_lixiao",
                              "/etc/apache2/lixiao.secret"):
                text = text.replace(installed, f"{staged}{installed}")
            text = re.sub(r"host=db\.example\.edu\.cn (.*?)password=CHANGE-ME",
                          rf"host={env.cluster.sock} \1password={env.cluster.dbpass}", text)
            text = text.replace("CASCookiePath /var/cache/apache2/mod_auth_cas/",
                                f"CASCookiePath {sessions}/")
            (self.confdir / "mods-available" / name).write_text(text)
        (self.confdir / "ports.conf").write_text(f"Listen 127.0.0.1:{self.port}\n")
        with open(self.confdir / "apache2.conf", "a") as f:
            f.write("ServerName 127.0.0.1\n")
        envvars = (self.confdir / "envvars").read_text()
        for var in ("APACHE_PID_FILE", "APACHE_RUN_DIR", "APACHE_LOCK_DIR", "APACHE_LOG_DIR"):
            value = self.pidfile if var == "APACHE_PID_FILE" else self.run_dir
            envvars = re.sub(rf"^export {var}=.*$", f"export {var}={value}", envvars, flags=re.M)
        (self.confdir / "envvars").write_text(envvars)
        self.env = dict(os.environ, APACHE_CONFDIR=str(self.confdir),
                        APACHE_STATE_DIRECTORY=str(self.state))

    @property
    def pidfile(self):
        return self.run_dir / "apache2.pid"

    def enabled(self):
        return {d: sorted((p.name, os.readlink(p)) for p in (self.confdir / d).iterdir())
                for d in ENABLED}

    def cmd(self, *argv):
        return subprocess.run(list(argv), env=self.env, capture_output=True, text=True)

    def ctl(self, *args):
        return self.cmd("apache2ctl", *args)

    def start(self):
        r = self.ctl("start")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_for_port(self.port)

    def running(self):
        """Whether the parent process of the pid file lives (Apache leaves the file behind
        when its configuration fails at a restart)."""
        try:
            os.kill(int(self.pidfile.read_text()), 0)
            return True
        except (OSError, ValueError):
            return False

    def wait_gone(self):
        deadline = time.time() + 20
        while self.running() and time.time() < deadline:
            time.sleep(0.1)

    def stop(self):
        if self.running():
            self.ctl("stop")
            self.wait_gone()

    def alive(self):
        try:
            return requests.get(self.url + "/", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def log(self):
        p = self.run_dir / "error.log"
        return p.read_text() if p.exists() else ""

    def bad_lines(self):
        return [line for line in self.log().splitlines() if BAD_LEVEL.search(line)]


@pytest.fixture
def apache(env, tmp_path):
    base = open_dir("lx-uninstall-")
    staged = base / "root"
    make_install(staged)
    a = Apache(staged, base, env)
    try:
        yield a
    finally:
        a.stop()
        shutil.rmtree(base, ignore_errors=True)


def enable_lixiao(apache):
    before = apache.enabled()
    r = apache.cmd("a2enmod", "lixiao")
    assert r.returncode == 0, r.stdout + r.stderr
    return before


def graceful_restart(apache):
    """apache2ctl graceful; returns once the new generation serves or the parent has gone."""
    offset = len(apache.log())
    r = apache.ctl("graceful")
    assert r.returncode == 0, r.stdout + r.stderr
    deadline = time.time() + 20
    while time.time() < deadline:
        log = apache.log()[offset:]
        if "resuming normal operations" in log:
            return
        if "exiting" in log:
            apache.wait_gone()
            return
        time.sleep(0.1)


def test_a2dismod_lixiao_alone_stops_apache_at_its_next_restart(apache):
    """The trap: auth_cas stays enabled, lixiao.conf (CASLoginURL, CASValidateURL) is gone;
    configtest says Syntax OK (it runs no post_config hook), and the graceful restart ends
    Apache with mod_auth_cas's refusal."""
    enable_lixiao(apache)
    apache.start()
    assert apache.alive()
    r = apache.cmd("a2dismod", "lixiao")
    assert r.returncode == 0, r.stderr
    assert (apache.confdir / "mods-enabled/auth_cas.load").exists()
    r = apache.ctl("-t")
    assert r.returncode == 0 and "Syntax OK" in r.stderr
    graceful_restart(apache)
    assert not apache.running() and not apache.alive()
    log = apache.log()
    assert "MOD_AUTH_CAS: CASLoginURL or CASValidateURL not defined." in log
    assert "Configuration Failed, exiting" in log


def test_make_uninstall_keeps_apache_running(apache):
    before = enable_lixiao(apache)
    for name in ("lixiao.load", "lixiao.conf", "dbd.load", "auth_cas.load", "headers.load"):
        assert (apache.confdir / "mods-enabled" / name).exists(), name
    apache.start()
    assert requests.get(apache.url + "/lx/static/lx.css", timeout=10).status_code == 200

    r = make_uninstall(apache.staged, env=apache.env)
    # reqtimeout was Debian's before a2enmod lixiao: it stays
    assert "reqtimeout stays enabled (enabled by its package)" in r.stdout, r.stdout
    assert "disabled lixiao dbd auth_cas headers" in r.stdout, r.stdout
    assert apache.enabled() == before
    assert not (apache.staged / "usr/share/mod_lixiao").exists()
    r = apache.ctl("-t")
    assert r.returncode == 0 and "Syntax OK" in r.stderr

    graceful_restart(apache)
    assert apache.running() and apache.alive()
    assert requests.get(apache.url + "/lx/static/lx.css", timeout=10).status_code == 404
    apache.stop()
    apache.start()
    assert apache.alive()
    apache.stop()
    assert not apache.bad_lines(), apache.log()


def test_another_configuration_using_cas_keeps_auth_cas(apache):
    """A conf of the site that protects /other with CAS but relied on lixiao.conf's URLs: make
    uninstall refuses and names it, changing nothing; with URLs of its own, auth_cas stays
    (dbd and headers go) and Apache starts."""
    enable_lixiao(apache)
    other = apache.confdir / "conf-available/other-cas.conf"
    other.write_text("<Location /other>\n    AuthType CAS\n    Require valid-user\n</Location>\n")
    r = apache.cmd("a2enconf", "other-cas")
    assert r.returncode == 0, r.stderr
    enabled = apache.enabled()

    r = make_uninstall(apache.staged, env=apache.env, check=False)
    assert r.returncode != 0
    assert "nothing was changed" in r.stderr and "CASLoginURL and CASValidateURL" in r.stderr
    assert str(apache.confdir / "conf-enabled/other-cas.conf") in r.stderr
    assert apache.enabled() == enabled
    assert (apache.staged / "usr/share/mod_lixiao").exists()

    other.write_text("CASLoginURL https://cas.example.edu.cn/cas/login\n"
                     "CASValidateURL https://cas.example.edu.cn/cas/serviceValidate\n"
                     + other.read_text())
    r = make_uninstall(apache.staged, env=apache.env)
    assert "auth_cas stays enabled (used in" in r.stdout, r.stdout
    assert "disabled lixiao dbd headers" in r.stdout, r.stdout
    assert (apache.confdir / "mods-enabled/auth_cas.load").exists()
    assert not (apache.confdir / "mods-enabled/lixiao.load").exists()
    apache.start()
    assert apache.alive()
    apache.stop()
    assert not apache.bad_lines(), apache.log()


def test_a_configuration_using_the_module_is_named(apache):
    enable_lixiao(apache)
    other = apache.confdir / "conf-available/other-lx.conf"
    other.write_text("<Location /lx2>\n    SetHandler lixiao\n</Location>\n")
    assert apache.cmd("a2enconf", "other-lx").returncode == 0
    enabled = apache.enabled()
    r = make_uninstall(apache.staged, env=apache.env, check=False)
    assert r.returncode != 0 and "the module is still used" in r.stderr
    assert str(apache.confdir / "conf-enabled/other-lx.conf") in r.stderr
    assert apache.enabled() == enabled
    assert (apache.staged / LIBEXECDIR.lstrip("/") / "mod_lixiao.so").exists()
