"""The Debian package (make deb), on this machine as the IT office installs it.

make deb builds lixiao_0.N_ARCH.deb and runs lintian on it (no error, no warning that is not
overridden with its reason).  Then, as root, on this machine's own dpkg and /etc/apache2:

- apt-get install ./lixiao_*.deb installs it (nothing else: every dependency is here, as
  make test's packages include the build's); it enables nothing, Debian's Apache passes
  apache2ctl configtest, the commands are on the PATH with their man pages, the key of the
  forms is made (0600, root);
- lixiao-migrate builds the schema in a new database of a private cluster (scripts/pg.sh's)
  from /usr/share/lixiao/sql, and lixiao-admin finds it current;
- a copy of /etc/apache2 (debapache.Apache: its own port, state and logs) with a2enmod lixiao
  and a2enconf lixiao and the package's lixiao.conf edited for that database passes
  apache2ctl configtest and serves /lx from the installed module and templates;
- dpkg -i of a newer version whose lixiao.conf changed, over an edited one: without a choice
  dpkg stops at its question (no terminal) and the package stays unconfigured; with
  --force-confold the site's copy stays (the new one as .dpkg-dist), with --force-confnew the
  new one is installed (the site's as .dpkg-old); the key stays; Apache reloads into it;
- apt-get remove, with that Apache's APACHE_CONFDIR: prerm disables lixiao.conf, the module
  and auth_cas (nothing else configures CAS), the reload keeps Apache serving; the
  configuration and the key stay;
- dpkg --purge removes them too, and the machine is as before: the installed packages,
  /etc/apache2 and /var/lib/apache2 file by file, nothing of lixiao in /usr.

Maintainer scripts start no service here: a policy-rc.d that refuses is put in place for the
test when there is none (deps.sh does the same).  `pytest -s` prints the transcript.
"""
import glob
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from debapache import Apache
from lxenv import IS_ROOT, REPO, Cluster, as_postgres, run
from test_install import LIBEXECDIR, open_dir
from test_uninstall import tree

CONF = Path("/etc/apache2/conf-available/lixiao.conf")
SECRET = Path("/etc/apache2/lixiao.secret")
# what the package puts on the machine, all absent before and after
OURS = [CONF, SECRET, Path("/etc/apache2/mods-available/lixiao.load"),
        Path(LIBEXECDIR) / "mod_lixiao.so", Path("/usr/share/lixiao"),
        Path("/usr/share/doc/lixiao")]
COMMANDS = ("lixiao-admin", "lixiao-import", "lixiao-migrate", "lixiao-backup")
NONINTERACTIVE = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
# without a terminal: no progress lines in the transcript
APT = ["apt-get", "-y", "-o", "Dpkg::Use-Pty=0"]


def sh(argv, env=None, check=True):
    """Runs argv without a terminal or standard input (dpkg cannot ask), prints it and its
    output (the transcript), returns its output."""
    r = subprocess.run(argv, env=env or NONINTERACTIVE, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=600)
    print(f"$ {' '.join(map(str, argv))}\n{r.stdout}{r.stderr}", end="")
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout + r.stderr


def installed_packages():
    return run(["dpkg-query", "-W", "-f", "${Package}:${Architecture} ${Version} "
                "${db:Status-Abbrev}\n"]).stdout.splitlines()


def status():
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version} ${db:Status-Abbrev}", "lixiao"],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def ours_present():
    found = [str(p) for p in OURS if p.exists()]
    found += glob.glob("/usr/bin/lixiao-*") + glob.glob("/usr/share/man/man1/lixiao-*")
    return found + glob.glob(str(CONF) + ".dpkg-*")


def machine():
    """What the package may change and must leave as it was."""
    return {"packages": installed_packages(), "etc": tree(Path("/etc/apache2")),
            "state": tree(Path("/var/lib/apache2")), "ours": ours_present()}


@pytest.fixture(scope="module")
def debs():
    """make deb's package, and two later versions of it with a changed lixiao.conf, in a
    directory that apt's _apt user can read."""
    sh(["make", "-s", "-C", str(REPO), "deb"])
    built, = (REPO / "build/deb").glob("lixiao_*.deb")
    d = open_dir("lx-deb-")
    first = d / built.name
    shutil.copy(built, first)
    version = run(["dpkg-deb", "-f", str(first), "Version"]).stdout.strip()
    later = [repack(first, d, f"{version}+test{n}") for n in (1, 2)]
    yield [first, *later]
    shutil.rmtree(d, ignore_errors=True)


def repack(deb, d, version):
    """deb as version, its lixiao.conf with one line more (and md5sums to match)."""
    root = d / version
    run(["dpkg-deb", "-R", str(deb), str(root)])
    control = root / "DEBIAN/control"
    control.write_text(re.sub(r"^Version: .*$", f"Version: {version}", control.read_text(),
                              flags=re.M))
    conf = root / CONF.relative_to("/")
    with open(conf, "a") as f:
        f.write(f"# a line of version {version}\n")
    md5 = hashlib.md5(conf.read_bytes()).hexdigest()
    sums = root / "DEBIAN/md5sums"
    sums.write_text(re.sub(r"^\w+(  etc/apache2/conf-available/lixiao\.conf)$", md5 + r"\1",
                           sums.read_text(), flags=re.M))
    out = d / f"lixiao_{version}.deb"
    run(["dpkg-deb", "--root-owner-group", "-b", str(root), str(out)])
    shutil.rmtree(root)
    return out


def test_make_deb_passes_lintian(debs):
    """make deb ran lintian --fail-on error,warning; what it accepted is printed with its
    reasons (the overrides)."""
    r = run(["lintian", "--fail-on", "error,warning", str(debs[0])], check=False)
    assert r.returncode == 0 and not re.search(r"^[EW]: ", r.stdout, re.M), r.stdout + r.stderr
    shown = run(["lintian", "--show-overrides", str(debs[0])]).stdout
    print(f"$ lintian --show-overrides {debs[0].name}\n{shown}", end="")
    assert not re.search(r"^[EW]: ", shown, re.M), shown
    fields = run(["dpkg-deb", "-f", str(debs[0])]).stdout
    depends = re.search(r"^Depends: (.*)$", fields, re.M).group(1)
    for need in ("libpq5", "libxslt1.1", "libaprutil1-dbd-pgsql", "postgresql-client",
                 "apache2-api-"):
        assert need in depends, depends
    assert "libapache2-mod-auth-cas" in re.search(r"^Recommends: (.*)$", fields, re.M).group(1)
    for tool in ("gcc", "apache2-dev", "-dev ", "make"):
        assert tool not in depends + " ", depends


@pytest.fixture
def policy():
    """No service started by a maintainer script during the test (invoke-rc.d asks this)."""
    path = Path("/usr/sbin/policy-rc.d")
    own = not path.exists()
    if own:
        path.write_text("#!/bin/sh\nexit 101\n")
        path.chmod(0o755)
    yield
    if own:
        path.unlink()


@pytest.fixture
def database():
    """A private cluster with the roles of docs/installation.md and an empty database."""
    base = open_dir("lx-deb-db-")
    cluster = Cluster(base)
    run([str(REPO / "scripts/pg.sh"), "init", str(base)])
    cluster.start()
    run(as_postgres(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(cluster.sock),
                     "-d", "postgres"]), input=f"""
        CREATE ROLE lx_owner NOLOGIN;
        CREATE ROLE lx_app LOGIN PASSWORD '{cluster.dbpass}';
        CREATE DATABASE lixiao OWNER lx_owner ENCODING 'UTF8' LOCALE 'C.UTF-8' TEMPLATE template0;
        REVOKE ALL ON DATABASE lixiao FROM PUBLIC;
        GRANT CONNECT ON DATABASE lixiao TO lx_app;""")
    yield cluster
    cluster.stop()
    shutil.rmtree(base, ignore_errors=True)


def site_conf(cluster):
    def site(text):
        return re.sub(r"host=db\.example\.edu\.cn (.*?)password=CHANGE-ME",
                      rf"host={cluster.sock} \1password={cluster.dbpass}", text)
    return site


def test_install_upgrade_remove_purge(debs, policy, database):
    assert IS_ROOT, "installs the package on this machine: run as root (as CI does)"
    assert status() is None and not ours_present(), \
        f"lixiao is installed here already ({status()}, {ours_present()}): " \
        "dpkg --purge lixiao (or make uninstall PURGE=1) first"
    r = run(["apache2ctl", "configtest"], check=False)
    assert r.returncode == 0, "this machine's Apache fails apache2ctl configtest before the " \
        "package is installed: " + r.stderr
    before = machine()
    apache = None
    try:
        apache = install_and_serve(debs[0], database)
        new = set(installed_packages()) - set(before["packages"])
        assert [p.split(":")[0] for p in new] == ["lixiao"], \
            f"apt installed more than lixiao (make test's packages should have them): {new}"
        upgrade(debs[1:], apache)
        remove(apache)
        sh(["dpkg", "--purge", "lixiao"])
        assert status() is None
        after = machine()
        assert after["ours"] == [], after["ours"]
        assert after == before
    finally:
        if apache:
            apache.stop()
            shutil.rmtree(apache.confdir.parent, ignore_errors=True)
        if status() is not None:
            sh(["dpkg", "--purge", "lixiao"], check=False)


def install_and_serve(deb, cluster):
    sh([*APT, "install", "--no-install-recommends", str(deb)])
    assert status() == f"{version_of(deb)} ii"
    so = Path(LIBEXECDIR) / "mod_lixiao.so"
    assert so.read_bytes()[:4] == b"\x7fELF"
    load = Path("/etc/apache2/mods-available/lixiao.load").read_text()
    assert load.startswith("# Depends: dbd auth_cas headers reqtimeout socache_shmcb\n")
    assert f"LoadModule lixiao_module {so}" in load
    conf = CONF.read_text()
    assert "LixiaoTemplates /usr/share/lixiao/templates\n" in conf and "mod_lixiao/" not in conf
    assert oct(CONF.stat().st_mode & 0o777) == "0o640"
    conffiles = run(["dpkg-query", "-W", "-f", "${Conffiles}", "lixiao"]).stdout
    assert str(CONF) in conffiles and "/etc/apache2/mods-available/lixiao.load" in conffiles
    st = SECRET.stat()
    assert (st.st_mode & 0o777, st.st_uid, st.st_gid, st.st_size) == (0o600, 0, 0, 48)
    for name in ("layout.xsl", "static/lx.css"):
        assert (Path("/usr/share/lixiao/templates") / name).read_bytes() == \
            (REPO / "templates" / name).read_bytes()
    # enables nothing, and Debian's own Apache still passes
    for d in ("mods-enabled/lixiao.load", "conf-enabled/lixiao.conf"):
        assert not (Path("/etc/apache2") / d).exists(), d
    sh(["apache2ctl", "configtest"])
    for cmd in COMMANDS:
        assert shutil.which(cmd) == f"/usr/bin/{cmd}", cmd
        assert sh([cmd, "--help"]).strip(), cmd
        assert Path(f"/usr/share/man/man1/{cmd}.1.gz").exists(), cmd

    # the schema by the package's command, from the package's SQL
    migrations = sorted(Path(p).stem for p in glob.glob("/usr/share/lixiao/sql/[0-9]*.sql"))
    assert migrations == sorted(p.stem for p in (REPO / "sql").glob("[0-9][0-9][0-9]_*.sql"))
    out = sh(["lixiao-migrate", str(cluster.sock), "lixiao"])
    assert out.split()[-1] == migrations[-1], out
    sh(as_postgres(["lixiao-admin", "-d", f"host={cluster.sock} dbname=lixiao", "schema"]))

    # Debian's Apache (a copy) with the package's module, enabled as README.Debian says
    apache = Apache(None, open_dir("lx-deb-apache-"), site_conf(cluster))
    sh(["a2enmod", "lixiao"], env=apache.env)
    sh(["a2enconf", "lixiao"], env=apache.env)
    for name in ("mods-enabled/auth_cas.load", "mods-enabled/dbd.load", "conf-enabled/lixiao.conf"):
        assert (apache.confdir / name).exists(), name
    assert "Syntax OK" in sh(["apache2ctl", "configtest"], env=apache.env)
    apache.start()
    served(apache)
    return apache


def served(apache):
    health = requests.get(apache.url + "/lx/health", timeout=30)
    assert health.status_code == 200 and health.json()["status"] == "ok", health.text
    page = requests.get(apache.url + "/lx/", timeout=30, allow_redirects=False)
    assert page.status_code == 302, page.status_code
    assert page.headers["Location"].startswith("https://cas.example.edu.cn/cas/login?service=")
    css = requests.get(apache.url + "/lx/static/lx.css", timeout=30)
    assert css.status_code == 200 and css.content == (REPO / "templates/static/lx.css").read_bytes()
    assert not apache.bad_lines(), apache.log()


def version_of(deb):
    return run(["dpkg-deb", "-f", str(deb), "Version"]).stdout.strip()


def upgrade(debs, apache):
    """Over an edited lixiao.conf: keep it (confold), then take the new one (confnew)."""
    secret = SECRET.read_bytes()
    edited = CONF.read_text().replace("CASTimeout 28800", "CASTimeout 14400")
    assert edited != CONF.read_text()
    CONF.write_text(edited)

    # unattended without a choice, dpkg stops at its question (no terminal, no input) and
    # leaves the package unpacked; the choice given afterwards configures it
    out = sh(["dpkg", "-i", str(debs[0])], check=False)
    assert "end of file on stdin at conffile prompt" in out, out
    assert status() == f"{version_of(debs[0])} iU", status()
    out = sh(["dpkg", "--configure", "--force-confold", "lixiao"])
    assert "==> Using current old file as you requested." in out, out
    assert status() == f"{version_of(debs[0])} ii"
    assert CONF.read_text() == edited
    dist = Path(f"{CONF}.dpkg-dist").read_text()
    assert dist.endswith(f"# a line of version {version_of(debs[0])}\n")

    out = sh(["dpkg", "-i", "--force-confnew", str(debs[1])])
    assert "==> Using new file as you requested." in out, out
    assert CONF.read_text().endswith(f"# a line of version {version_of(debs[1])}\n")
    assert Path(f"{CONF}.dpkg-old").read_text() == edited
    assert oct(CONF.stat().st_mode & 0o777) == "0o640"
    assert SECRET.read_bytes() == secret
    # the copy's Apache, reloaded, runs the upgraded module
    apache.graceful()
    served(apache)


def remove(apache):
    """apt-get remove for the Apache of APACHE_CONFDIR: its lixiao is enabled, and nothing but
    lixiao.conf sets CAS's URLs."""
    secret = SECRET.read_bytes()
    out = sh([*APT, "remove", "lixiao"], env=dict(NONINTERACTIVE, **apache.env))
    assert "disabled auth_cas too" in out, out
    assert status().endswith(" rc"), status()
    for name in ("mods-enabled/lixiao.load", "conf-enabled/lixiao.conf",
                 "mods-enabled/auth_cas.load"):
        assert not (apache.confdir / name).exists(), name
    assert "Syntax OK" in sh(["apache2ctl", "configtest"], env=apache.env)
    apache.graceful()
    assert apache.running() and apache.alive()
    assert requests.get(apache.url + "/lx/health", timeout=30).status_code == 404
    # the site's configuration and the key stay until purge
    assert CONF.exists() and SECRET.read_bytes() == secret
    assert not Path("/usr/share/lixiao").exists() and not shutil.which("lixiao-admin")
