"""make install, staged below DESTDIR: the files of Debian's layout, a second run that keeps
the site's configuration and secret, and Debian's own Apache configuration (a copy of
/etc/apache2) with the staged module enabled by a2enmod passing apache2ctl -t.

Nothing outside the test's directory changes: the staged root, the copy of /etc/apache2
(APACHE_CONFDIR) and a2enmod's state markers (APACHE_STATE_DIRECTORY) all live in tmp_path.
"""
import os
import shutil
import stat
import subprocess

import pytest

from lxenv import REPO

LIBEXECDIR = subprocess.run(["apxs", "-q", "LIBEXECDIR"], capture_output=True, text=True,
                            check=True).stdout.strip()


def make_install(root):
    r = subprocess.run(["make", "-s", "-C", str(REPO), "install", f"DESTDIR={root}"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    root = tmp_path_factory.mktemp("staged-root")
    make_install(root)
    return root


def test_the_files_of_debians_layout(staged):
    so = staged / LIBEXECDIR.lstrip("/") / "mod_lixiao.so"
    assert so.is_file() and so.read_bytes()[:4] == b"\x7fELF"
    avail = staged / "etc/apache2/mods-available"
    load = (avail / "lixiao.load").read_text()
    assert load.startswith("# Depends: dbd auth_cas headers\n")
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
    assert sorted(p.name for p in (share / "sql").iterdir()) == migrations
    migrate = share / "scripts/migrate.sh"
    assert migrate.read_text() == (REPO / "scripts/migrate.sh").read_text()
    assert os.access(migrate, os.X_OK)


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


def test_debians_apache_accepts_the_enabled_module(staged, tmp_path):
    """a2enmod lixiao in a copy of /etc/apache2 also enables dbd, auth_cas and headers; the
    whole of Debian's configuration with the production sample then passes apache2ctl -t."""
    confdir = tmp_path / "apache2"
    shutil.copytree("/etc/apache2", confdir, symlinks=True)
    for name in ("lixiao.load", "lixiao.conf"):
        text = (staged / "etc/apache2/mods-available" / name).read_text()
        # the staged files name their installed places: point them below the staged root
        for installed in (f"{LIBEXECDIR}/mod_lixiao.so", "/usr/share/mod_lixiao",
                          "/etc/apache2/lixiao.secret"):
            text = text.replace(installed, f"{staged}{installed}")
        (confdir / "mods-available" / name).write_text(text)
    for name in ("lixiao", "dbd", "headers"):
        for ext in ("load", "conf"):
            (confdir / "mods-enabled" / f"{name}.{ext}").unlink(missing_ok=True)
    env = dict(os.environ, APACHE_CONFDIR=str(confdir),
               APACHE_STATE_DIRECTORY=str(tmp_path / "state"))
    r = subprocess.run(["a2enmod", "lixiao"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("lixiao.load", "lixiao.conf", "dbd.load", "auth_cas.load", "headers.load"):
        assert (confdir / "mods-enabled" / name).exists(), name

    r = subprocess.run(["apache2ctl", "-t"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "Syntax OK" in r.stderr, r.stdout + r.stderr
    r = subprocess.run(["apache2ctl", "-M"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for module in ("lixiao_module", "dbd_module", "auth_cas_module", "headers_module"):
        assert module in r.stdout
