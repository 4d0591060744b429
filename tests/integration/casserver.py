"""A real CAS server on loopback for the CAS tests: Debian's python3-django-cas-server (the
Django application of the CAS 2/3 protocol) over HTTPS with a self-signed certificate.

    casserver.py DIR PORT SERVICE_REGEX     (what CasServer.start runs, in the background)

DIR holds the certificate (cert.pem, key.pem), the Django settings and URLs written by
CasServer, the sqlite database, users.txt (one login a line: every one gets the password
"demo") and the server's log.  The process migrates the database, creates the users (Django's
own auth backend, the CAS server's DjangoAuthUser) and one service pattern (SERVICE_REGEX, with
single log-out), then serves https://127.0.0.1:PORT/cas/ until it is terminated.

mod_auth_cas validates tickets with libcurl over HTTPS only, verifying the peer and its host
name against CASCertificatePath (a file: CURLOPT_CAINFO): the certificate therefore names
IP:127.0.0.1 in subjectAltName, and httpd points CASCertificatePath at cert.pem.
"""
import os
import socket
import ssl
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import requests

PASSWORD = "demo"
HERE = Path(__file__).resolve().parent

SETTINGS = """\
SECRET_KEY = {secret!r}
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {{"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]}},
}}]
ROOT_URLCONF = "cas_urls"
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {db!r}}}}}
# a test server: a cheap hash for its few hundred users (the default costs ~0.1 s each)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
CAS_AUTH_CLASS = "cas_server.auth.DjangoAuthUser"
# no look-up of new versions on PyPI (a closed network)
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_SHOW_POWERED = False
CAS_SLO_TIMEOUT = 5
"""

URLS = """\
from django.urls import include, re_path
urlpatterns = [re_path(r"^cas/", include("cas_server.urls", namespace="cas_server"))]
"""


def make_certificate(directory: Path):
    """A self-signed certificate for 127.0.0.1 (its own CA), valid for two days."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem")],
                   check=True, capture_output=True)
    (directory / "key.pem").chmod(0o600)
    (directory / "cert.pem").chmod(0o644)


class CasServer:
    """The CAS server of a test environment, in BASE/cas-server on a free loopback port."""

    def __init__(self, base: Path, port: int):
        self.dir = base / "cas-server"
        self.port = port
        self.url = f"https://127.0.0.1:{port}/cas"
        self.cert = self.dir / "cert.pem"
        self.log = self.dir / "server.log"
        self.proc = None

    def start(self, logins, service_regex):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o755)
        make_certificate(self.dir)
        (self.dir / "cas_settings.py").write_text(SETTINGS.format(
            secret=os.urandom(24).hex(), db=str(self.dir / "cas.sqlite3")))
        (self.dir / "cas_urls.py").write_text(URLS)
        (self.dir / "users.txt").write_text("".join(f"{login}\n" for login in logins))
        # its single log-out requests follow httpd's redirect back to this server: trust it
        env = dict(os.environ, REQUESTS_CA_BUNDLE=str(self.cert))
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                ["/usr/bin/python3", str(Path(__file__)), str(self.dir), str(self.port),
                 service_regex], stdout=log, stderr=subprocess.STDOUT, cwd="/", env=env)
        ctx = ssl.create_default_context(cafile=str(self.cert))
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the CAS server stopped:\n" + self.log.read_text())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    with ctx.wrap_socket(s, server_hostname="127.0.0.1"):
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the CAS server did not start:\n" + self.log.read_text())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class _Inputs(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.fields = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") != "checkbox":
            self.fields[a["name"]] = a.get("value") or ""


def login_fields(html):
    """The fields of the CAS login page's form (hidden ones with their values): name -> value."""
    return _Inputs(html).fields


def cas_browser(cas):
    """A fresh browser that trusts the CAS server's certificate and nothing from the
    environment (REQUESTS_CA_BUNDLE would override the session's verify)."""
    s = requests.Session()
    s.trust_env = False
    s.verify = str(cas.cert)
    return s


def serve(directory, port, service_regex):
    """The server process: set up Django's database, then serve HTTPS in threads."""
    sys.path.insert(0, directory)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cas_settings"
    import django
    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from cas_server.models import ServicePattern

    call_command("migrate", verbosity=0, interactive=False)
    logins = Path(directory, "users.txt").read_text().split()
    hashed = make_password(PASSWORD)
    User.objects.bulk_create([User(username=login, password=hashed) for login in logins])
    ServicePattern.objects.create(pos=1, name="mod_lixiao", pattern=service_regex,
                                  single_log_out=True)

    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Handler(WSGIRequestHandler):
        def log_message(self, fmt, *args):
            sys.stdout.write("%s %s\n" % (self.log_date_time_string(), fmt % args))
            sys.stdout.flush()

    httpd = Server(("127.0.0.1", int(port)), Handler)
    httpd.set_app(get_wsgi_application())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(Path(directory, "cert.pem"), Path(directory, "key.pem"))
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    httpd.serve_forever()


if __name__ == "__main__":
    serve(*sys.argv[1:4])
