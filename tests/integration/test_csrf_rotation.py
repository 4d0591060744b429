"""Rotating the forms' secret with an overlap (issue 21; docs/runbooks.md "Rotating the forms'
secret"): LixiaoSecretPreviousFile FILE UNTIL accepts a second key until UNTIL, so that on
several nodes the new key is first accepted everywhere, then used everywhere, and no open form
is refused on the way; after UNTIL the old key's forms are refused.  A bad UNTIL stops the
configuration test with the reason."""
import secrets
import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone

from data import make_class
from desk import forge_token
from lxenv import httpd_env

CHINA = timezone(timedelta(hours=8))


def iso(delta_hours):
    return (datetime.now(CHINA) + timedelta(hours=delta_hours)).strftime("%Y-%m-%dT%H:%M%z")[:-2] \
        + ":00"


def search(httpd, student, csrf):
    return httpd.request("POST", "/lx/op/search", user="op_college_01",
                         data={"csrf": csrf, "rid": uuid.uuid4().hex, "at": "college:01",
                               "q": student})


def token_under(env, key):
    return forge_token(env, "op_college_01", "desk", int(time.time()) + 3600, secret=key)


def test_a_rotation_refuses_no_open_form(httpd, env):
    _, (s,) = make_class(env, "01", 1)
    conf = env.base / "conf"
    old = (conf / "secret").read_bytes()
    new_path = conf / "secret-next"
    new_path.write_bytes(secrets.token_bytes(48))
    new_path.chmod(0o644)
    new = new_path.read_bytes()
    old_form, new_form = token_under(env, old), token_under(env, new)
    try:
        # before: only the installation's key
        assert search(httpd, s, old_form).status_code == 303
        assert search(httpd, s, new_form).status_code == 403
        # step 1, on every node: the next key accepted, the old one still used
        with httpd.extra_conf("rotate", f'LixiaoSecretPreviousFile "{new_path}" {iso(24)}\n'):
            assert search(httpd, s, old_form).status_code == 303
            assert search(httpd, s, new_form).status_code == 303
        # step 2, on every node: the next key used, the old one accepted for a working day
        with httpd.extra_conf("rotate", f'LixiaoSecretFile "{new_path}"\n'
                                        f'LixiaoSecretPreviousFile "{conf / "secret"}" {iso(13)}\n'):
            assert search(httpd, s, old_form).status_code == 303        # an open form
            assert search(httpd, s, new_form).status_code == 303
        # step 3, after UNTIL (or with the directive removed): the old key's forms refused
        with httpd.extra_conf("rotate", f'LixiaoSecretFile "{new_path}"\n'
                                        f'LixiaoSecretPreviousFile "{conf / "secret"}" {iso(-1)}\n'):
            r = search(httpd, s, old_form)
            assert r.status_code == 403 and "表单校验失败" in r.text
            assert search(httpd, s, new_form).status_code == 303
    finally:
        new_path.unlink()


def configtest(httpd, text):
    extra = httpd.base / "conf" / "extra" / "rotate-bad.conf"
    extra.parent.mkdir(exist_ok=True)
    extra.write_text(text)
    try:
        return subprocess.run(["apache2", "-f", str(httpd.conf), "-t"], env=httpd_env(),
                              capture_output=True, text=True)
    finally:
        extra.unlink()


def test_a_bad_overlap_stops_the_configuration_test(httpd, env):
    secret = env.base / "conf" / "secret"
    r = configtest(httpd, f'LixiaoSecretPreviousFile "{secret}" 2026-06-20T18:00\n')
    assert r.returncode != 0 and "is not a time such as 2026-06-20T18:00+08:00" in r.stderr
    r = configtest(httpd, f'LixiaoSecretPreviousFile "{secret}" {iso(24 * 40)}\n')
    assert r.returncode != 0 and "more than 30 days ahead" in r.stderr
    r = configtest(httpd, f'LixiaoSecretPreviousFile "{secret}.none" {iso(1)}\n')
    assert r.returncode != 0 and "LixiaoSecretPreviousFile: cannot read" in r.stderr
    assert configtest(httpd, f'LixiaoSecretPreviousFile "{secret}" {iso(1)}\n').returncode == 0
