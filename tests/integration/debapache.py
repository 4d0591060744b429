"""Debian's Apache as a site runs it, for the tests of make install and make uninstall and
the runbooks (test_uninstall.py, test_backup.py): a copy of /etc/apache2, enabled and disabled
with a2enmod / a2dismod and driven with apache2ctl, all below a directory of the test's own
(APACHE_CONFDIR, APACHE_STATE_DIRECTORY, its own port, pid file and logs).
"""
import os
import re
import shutil
import subprocess
import time

import requests

from lxenv import BAD_LEVEL, IS_ROOT, free_port
from test_install import LIBEXECDIR, wait_for_port

ENABLED = ("mods-enabled", "conf-enabled", "sites-enabled")


class Apache:
    """A copy of /etc/apache2 (and of a2enmod's state) in base with the module staged by make
    install DESTDIR=staged (staged None: the Debian package's, installed on this machine, with
    its conf-available/lixiao.conf), on a port of its own, with run-time directories and a CAS
    session directory of its own; lixiao.conf as a site edits it (site: its text in, the edited
    text out: the database; the CAS server itself is not needed to start)."""

    def __init__(self, staged, base, site):
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

        def edit(path, text):
            text = text.replace("CASCookiePath /var/cache/apache2/mod_auth_cas/",
                                f"CASCookiePath {sessions}/")
            path.write_text(site(text))

        if staged is None:
            # the Debian package's files, installed on this machine: the copy's own
            # conf-available/lixiao.conf, edited
            conf = self.confdir / "conf-available/lixiao.conf"
            edit(conf, conf.read_text())
        else:
            for name in ("lixiao.load", "lixiao.conf"):
                text = (staged / "etc/apache2/mods-available" / name).read_text()
                for installed in (f"{LIBEXECDIR}/mod_lixiao.so", "/usr/share/mod_lixiao",
                                  "/etc/apache2/lixiao.secret"):
                    text = text.replace(installed, f"{staged}{installed}")
                edit(self.confdir / "mods-available" / name, text)
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

    def graceful(self, *command):
        """apache2ctl graceful (or command); returns once the new generation serves or the
        parent has gone."""
        offset = len(self.log())
        r = self.cmd(*command) if command else self.ctl("graceful")
        assert r.returncode == 0, r.stdout + r.stderr
        deadline = time.time() + 20
        while time.time() < deadline:
            log = self.log()[offset:]
            if "resuming normal operations" in log:
                return
            if "exiting" in log:
                self.wait_gone()
                return
            time.sleep(0.1)

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
