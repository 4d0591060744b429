"""A new installation: a private PostgreSQL cluster with the schema's migrations and nothing
else (no demo generator: no institution, college, cohort, operator or student), and Debian's
httpd with the module in front of it, as docs/installation.md leaves a university's servers.

The password file stands in for the university's CAS server: it knows the logins given to the
environment before any of them exists in the database (the module authorises from the
database, so a login that is in the file but not yet registered gets the 403 page, as a CAS
user would)."""
import os
import shutil
import subprocess

from lxenv import REPO, Cluster, Httpd, copy_templates, new_base, run

# what docs/installation.md's first administrator command runs: the build's copy
LIXIAO_ADMIN = REPO / "build" / "lixiao-admin"


class FreshEnv:
    def __init__(self, logins):
        self.base = new_base("lx-fresh-")
        self.templates = copy_templates(self.base)
        self.cluster = Cluster(self.base)
        self.httpd = Httpd(self.base, self.cluster, self.templates)
        self.logins = list(logins)

    def start(self):
        run([str(REPO / "scripts/pg.sh"), "init", str(self.base)])
        self.cluster.start()
        run([str(REPO / "scripts/pg.sh"), "setup", str(self.base), self.cluster.dbpass])
        self.httpd.configure()
        self.write_passwords(self.logins)
        self.httpd.start()

    def write_passwords(self, logins):
        """The password file (and the GDBM copy httpd reads on every request) with these
        logins, all with the demo password: what the CAS server would know."""
        conf = self.base / "conf"
        hashed = run(["htpasswd", "-nbs", "x", "demo"]).stdout.strip().split(":", 1)[1]
        text = "".join(f"{login}:{hashed}\n" for login in logins)
        (conf / "htpasswd").write_text(text)
        dbm = conf / "passwd.dbm"
        dbm.unlink(missing_ok=True)
        subprocess.run(["httxt2dbm", "-f", "GDBM", "-i", "-", "-o", str(dbm)],
                       input=text.replace(":", " "), text=True, check=True,
                       capture_output=True)
        dbm.chmod(0o644)

    def add_lx_admin(self, password):
        """docs/installation.md's role of the IT office: LOGIN, IN ROLE lx_owner."""
        self.cluster.psql(f"CREATE ROLE lx_admin LOGIN PASSWORD '{password}' IN ROLE lx_owner;"
                          " GRANT CONNECT ON DATABASE lixiao TO lx_admin;")
        self.lx_admin_password = password

    def admin_command(self, *args, db=None):
        """build/lixiao-admin as the IT office runs it: as lx_admin, its password in
        PGPASSWORD (add_lx_admin first)."""
        conninfo = db or f"host={self.cluster.sock} dbname=lixiao user=lx_admin"
        env = dict(os.environ, PGPASSWORD=self.lx_admin_password)
        return subprocess.run([str(LIXIAO_ADMIN), "-d", conninfo, *args], capture_output=True,
                              text=True, cwd="/", env=env)

    def close(self, keep=False):
        self.httpd.stop()
        self.cluster.stop()
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)
