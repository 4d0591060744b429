"""Bad configuration is refused at start-up with a message naming the directive."""
import shutil
import subprocess

import pytest

from lxenv import free_port, httpd_env


def try_start(env, tmp_path, edit):
    """Start a second httpd with an edited copy of the session's configuration; return the
    exit status and what httpd said (console and error log)."""
    conf = (env.base / "conf" / "httpd.conf").read_text()
    port = free_port()
    conf = conf.replace(f"Listen 127.0.0.1:{env.httpd.port}", f"Listen 127.0.0.1:{port}")
    conf = conf.replace(str(env.base / "run" / "httpd.pid"), str(tmp_path / "httpd.pid"))
    conf = conf.replace(str(env.base / "log" / "error_log"), str(tmp_path / "error_log"))
    conf = edit(conf)
    path = tmp_path / "httpd.conf"
    path.write_text(conf)
    tmp_path.chmod(0o755)
    r = subprocess.run(["apache2", "-f", str(path), "-k", "start"], capture_output=True,
                       text=True, timeout=60, env=httpd_env())
    log = (tmp_path / "error_log").read_text() if (tmp_path / "error_log").exists() else ""
    # if it did start after all, stop it
    subprocess.run(["apache2", "-f", str(path), "-k", "stop"], capture_output=True,
                   env=httpd_env())
    return r.returncode, r.stdout + r.stderr + log


def test_missing_template_directory(env, tmp_path):
    code, out = try_start(env, tmp_path, lambda c: c.replace(
        f'LixiaoTemplates "{env.templates}"', 'LixiaoTemplates "/nonexistent/templates"'))
    assert code != 0
    assert "LixiaoTemplates: /nonexistent/templates is not a directory" in out


def test_broken_stylesheet(env, tmp_path):
    broken = tmp_path / "templates"
    shutil.copytree(env.templates, broken)
    (broken / "student.xsl").write_text("<xsl:stylesheet version='1.0' "
                                        "xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
                                        "<xsl:template match='/'><unclosed></xsl:template>")
    code, out = try_start(env, tmp_path, lambda c: c.replace(
        f'LixiaoTemplates "{env.templates}"', f'LixiaoTemplates "{broken}"'))
    assert code != 0
    assert "student.xsl does not compile" in out


@pytest.mark.parametrize("directive,message", [
    ("LixiaoRetryAfter 0", "LixiaoRetryAfter: give a number of seconds from 1 to 3600"),
    ("LixiaoRetryAfter soon", "LixiaoRetryAfter: give a number of seconds from 1 to 3600"),
    ("LixiaoBaseURL lx/", "LixiaoBaseURL: give a path such as /lx"),
    ("LixiaoTimeZone 8", "LixiaoTimeZone: give an offset from UTC such as +08:00"),
    ("LixiaoReadDB nonsense", 'LixiaoReadDB: missing "=" after "nonsense" in connection '
                              'info string'),
    ("LixiaoReadDBSlots 0", "LixiaoReadDBSlots takes a number of connections from 1 to 10000"),
    ("LixiaoReadAfterWrite 0", "LixiaoReadAfterWrite takes seconds from 1 to 3600"),
    ("LixiaoReadRetry 3601", "LixiaoReadRetry takes seconds from 1 to 3600"),
    ("LixiaoOwnPageCache forever", "LixiaoOwnPageCache: give no-store (the default) or "
                                   "revalidate"),
])
def test_bad_directive_values(env, tmp_path, directive, message):
    code, out = try_start(env, tmp_path, lambda c: c + "\n" + directive + "\n")
    assert code != 0
    assert message in out


def test_templates_not_set(env, tmp_path):
    code, out = try_start(env, tmp_path, lambda c: c.replace(
        f'LixiaoTemplates "{env.templates}"', ""))
    assert code != 0
    assert "LixiaoTemplates is not set" in out


def test_mod_dbd_missing(env, tmp_path):
    def edit(c):
        lines = [l for l in c.splitlines()
                 if "dbd_module" not in l and not l.startswith("DBD")]
        return "\n".join(lines) + "\n"
    code, out = try_start(env, tmp_path, edit)
    assert code != 0
    assert "mod_lixiao needs mod_dbd" in out


def test_the_session_configuration_is_valid(env):
    r = subprocess.run(["apache2", "-t", "-f", str(env.base / "conf" / "httpd.conf")],
                       capture_output=True, text=True, env=httpd_env())
    assert r.returncode == 0 and "Syntax OK" in r.stderr
