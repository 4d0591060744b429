"""CAS single sign-on end to end: a real CAS server on loopback (Debian's django-cas-server,
HTTPS with a certificate of its own), httpd with mod_auth_cas and our module, and a browser's
way through them (Python requests following the redirects and posting the CAS login form).

The environment is this module's own (its own cluster, CAS server and httpd), so that the
session's httpd keeps its password-file login.
"""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from casserver import cas_browser, login_fields
from data import make_class, state
from desk import batch, confirm
from lxenv import Env, running, unexpected_lines

STUDENT = "2022010002"        # library debt: a student's own clearance sheet
OPERATOR = "op_library"        # the library's operator: the staff home page and the desk
PASSWORD = "demo"


@pytest.fixture(scope="module")
def cas_env():
    with running(Env(cas=True)) as e:
        yield e


@pytest.fixture
def site(cas_env, logcheck):
    """The CAS environment, with its error log read after each test as conftest's httpd."""
    offset = cas_env.httpd.log_size()
    yield cas_env
    unexpected = unexpected_lines(cas_env.httpd, offset, logcheck.patterns)
    assert not unexpected, "unexpected lines in httpd's error log:\n" + "\n".join(unexpected)


def browser(env):
    return cas_browser(env.cas)


def cas_login(s, env, login, path="/lx/"):
    """Open path, follow the redirect to the CAS login page and post its form; return the
    redirect back to the service (its Location carries the service ticket), not followed."""
    r = s.get(env.httpd.url + path, timeout=30)
    assert r.status_code == 200, r.text
    assert r.url.startswith(env.cas.url + "/login?service="), r.url
    service = parse_qs(urlsplit(r.url).query)["service"][0]
    assert service == env.httpd.url + path
    form = login_fields(r.text)
    assert {"lt", "csrfmiddlewaretoken", "service"} <= form.keys(), form
    form.update(username=login, password=PASSWORD)
    # Django checks the Referer of a form posted over HTTPS
    back = s.post(r.url, data=form, headers={"Referer": r.url}, allow_redirects=False,
                  timeout=30)
    assert back.status_code == 302, back.text
    assert back.headers["Location"].startswith(service + "?ticket=ST-"), back.headers["Location"]
    return back


def land(s, back):
    """Follow the redirect with the ticket: httpd validates it at the CAS server, sets its
    session cookie and sends the browser on to the page without the ticket."""
    r = s.get(back.headers["Location"], allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text
    assert "ticket=" not in r.headers["Location"]
    assert "MOD_AUTH_CAS" in s.cookies
    return s.get(r.headers["Location"], allow_redirects=False, timeout=30)


def test_student_signs_in_and_sees_their_sheet(site):
    s = browser(site)
    page = land(s, cas_login(s, site, STUDENT))
    assert page.status_code == 200
    assert page.text.startswith("<!DOCTYPE html>")
    name = site.cluster.psql(f"SELECT name FROM lx.student WHERE student_no = '{STUDENT}'")[0][0]
    assert name in page.text and "图书" in page.text
    # the session serves the rest of /lx/ without another trip to the CAS server
    xml = s.get(site.httpd.url + "/lx/?format=xml", allow_redirects=False, timeout=30)
    assert xml.status_code == 200 and f'"{STUDENT}"' in xml.text
    api = s.get(site.httpd.url + f"/lx/api/v1/students/{STUDENT}/status",
                allow_redirects=False, timeout=30)
    assert api.status_code == 200 and api.json()["student"]["student_no"] == STUDENT


def test_operator_signs_in_and_reaches_the_desk(site):
    s = browser(site)
    page = land(s, cas_login(s, site, OPERATOR))
    assert page.status_code == 200
    assert "您好" in page.text and "进入操作台" in page.text
    desk = s.get(site.httpd.url + "/lx/op", allow_redirects=False, timeout=30)
    assert desk.status_code == 200 and "图书馆" in desk.text


class SignedIn:
    """A browser signed in through CAS, with the get/request of lxenv.Httpd that the desk's
    helpers (desk.py) call; their user argument is whoever signed in."""

    def __init__(self, env, login):
        self.url = env.httpd.url
        self.s = browser(env)
        land(self.s, cas_login(self.s, env, login))

    def get(self, path, user=None, **kw):
        return self.request("GET", path, **kw)

    def request(self, method, path, user=None, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 30)
        return self.s.request(method, self.url + path, **kw)


def test_an_operator_confirms_through_the_cas_session(site):
    """The desk's POSTs pass mod_auth_cas (single log-out off: its filter, which reads every
    POST body, stays away): the forms arrive whole."""
    op = SignedIn(site, "op_college_01")
    _, (s,) = make_class(site, "01", 1, party_member=True)
    r = confirm(op, None, "college:01", s, ["party_transfer"], xml=False)
    assert r.status_code == 303 and "ok=1" in r.headers["Location"]
    assert state(site, s, "party_transfer") == "done"
    _, nos = make_class(site, "01", 30, league_member=True)
    r = batch(op, None, "college:01", nos[0], "league_transfer", "class", nos)
    assert r.status_code == 200, r.text
    assert [state(site, n, "league_transfer") for n in nos] == ["done"] * 30


def test_single_sign_on_needs_no_second_password(site):
    """Once signed in at the CAS server, another page of /lx/ opened without httpd's cookie
    goes through CAS and comes back with a ticket, without the login form."""
    s = browser(site)
    land(s, cas_login(s, site, STUDENT))
    s.cookies.clear(domain="127.0.0.1", path="/lx/", name="MOD_AUTH_CAS")
    r = s.get(site.httpd.url + "/lx/", timeout=30)
    assert r.status_code == 200 and r.url == site.httpd.url + "/lx/"
    assert "MOD_AUTH_CAS" in s.cookies


def test_a_replayed_ticket_is_refused(site, logcheck):
    logcheck.expect(r"MOD_AUTH_CAS: INVALID_TICKET")
    s = browser(site)
    back = cas_login(s, site, STUDENT)
    land(s, back)
    # the same ticket again, from another browser: the CAS server has consumed it
    thief = browser(site)
    r = thief.get(back.headers["Location"], allow_redirects=False, timeout=30)
    assert r.status_code == 401
    assert "MOD_AUTH_CAS" not in thief.cookies
    assert site.cluster.psql("SELECT 1") == [["1"]]


def test_a_forged_ticket_is_refused(site, logcheck):
    logcheck.expect(r"MOD_AUTH_CAS: INVALID_TICKET")
    r = browser(site).get(site.httpd.url + "/lx/?ticket=ST-forged0123456789",
                          allow_redirects=False, timeout=30)
    assert r.status_code == 401


def test_unknown_cas_user_gets_our_403_page(site):
    s = browser(site)
    page = land(s, cas_login(s, site, "stranger"))
    assert page.status_code == 403
    assert page.text.startswith("<!DOCTYPE html>") and "账号未登记" in page.text


def test_a_system_token_needs_no_cas(site):
    """The API's bearer tokens reach the module without a trip to CAS: a wrong one is the
    module's JSON 401, not a redirect to the login page."""
    r = browser(site).get(site.httpd.url + f"/lx/api/v1/students/{STUDENT}/status",
                          headers={"Authorization": "Bearer wrong-token"},
                          allow_redirects=False, timeout=30)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_the_health_probe_needs_no_cas(site):
    r = requests.get(site.httpd.url + "/lx/health", allow_redirects=False, timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "ok", r.text
    assert "Set-Cookie" not in r.headers


def test_without_a_session_the_browser_goes_to_cas(site):
    r = browser(site).get(site.httpd.url + "/lx/op", allow_redirects=False, timeout=30)
    assert r.status_code == 302
    assert r.headers["Location"].startswith(site.cas.url + "/login?service=")
    r = browser(site).get(site.httpd.url + "/lx", allow_redirects=False, timeout=30)
    assert r.status_code == 301 and r.headers["Location"] == site.httpd.url + "/lx/"
    # static files need no session
    css = browser(site).get(site.httpd.url + "/lx/static/lx.css", allow_redirects=False,
                            timeout=30)
    assert css.status_code == 200


def test_logout_ends_both_sessions(site):
    """/lx/logout drops httpd's session cookie and ends the CAS session.  Single log-out is
    off (CASSSOEnabled Off, issue 10): httpd's session file ends with CASIdleTimeout."""
    s = browser(site)
    land(s, cas_login(s, site, STUDENT))
    assert "MOD_AUTH_CAS" in s.cookies
    assert s.get(site.httpd.url + "/lx/", allow_redirects=False,
                 timeout=30).status_code == 200
    # /lx/logout: our cookie is dropped and the browser is sent to the CAS server's logout
    r = s.get(site.httpd.url + "/lx/logout", allow_redirects=False, timeout=30)
    assert r.status_code == 302 and r.headers["Location"] == site.cas.url + "/logout"
    assert "MOD_AUTH_CAS" not in s.cookies
    out = s.get(r.headers["Location"], timeout=30)
    assert out.status_code == 200
    # the CAS session is gone: /lx/ asks for the password again
    again = s.get(site.httpd.url + "/lx/", timeout=30)
    assert again.url.startswith(site.cas.url + "/login?service=")
    assert 'name="password"' in again.text
