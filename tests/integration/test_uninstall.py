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

import pytest
import requests

from debapache import Apache
from lxenv import REPO
from test_install import LIBEXECDIR, make_install, open_dir


def make_uninstall(root, env=None, purge=False, check=True):
    argv = ["make", "-s", "-C", str(REPO), "uninstall", f"DESTDIR={root}"]
    if purge:
        argv.append("PURGE=1")
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)
    print(f"$ {' '.join(argv)}\n{r.stdout}{r.stderr}", end="")    # pytest -s: the closing notes
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
    assert (root / "etc/apache2/lixiao.secret").read_bytes() == secret
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


@pytest.fixture
def apache(env, tmp_path):
    base = open_dir("lx-uninstall-")
    staged = base / "root"
    make_install(staged)
    a = Apache(staged, base, site=lambda text: re.sub(
        r"host=db\.example\.edu\.cn (.*?)password=CHANGE-ME",
        rf"host={env.cluster.sock} \1password={env.cluster.dbpass}", text))
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
    apache.graceful()
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

    apache.graceful()
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


def test_the_runbooks_order_by_hand(apache):
    """docs/runbooks.md "Removal", the order by hand, on a running Apache (systemctl's reload
    is apache2ctl graceful here): Apache keeps serving."""
    text = (REPO / "docs/runbooks.md").read_text()
    removal = text[text.index("\n## Removal\n"):]
    blocks = re.findall(r"```sh\n(.*?)```", removal, re.S)
    (by_hand,) = [b for b in blocks if b.startswith("a2dismod lixiao\n")]
    commands = [line.split("#")[0].strip() for line in by_hand.splitlines()]
    assert commands == ["a2dismod lixiao", "a2dismod auth_cas", "a2dismod dbd headers",
                        "apache2ctl configtest", "systemctl reload apache2",
                        "systemctl is-active apache2"]
    enable_lixiao(apache)
    apache.start()
    for command in commands[:4]:
        r = apache.cmd(*command.split())
        assert r.returncode == 0, command + "\n" + r.stdout + r.stderr
    apache.graceful()
    assert apache.running() and apache.alive()
    apache.stop()
    assert not apache.bad_lines(), apache.log()
