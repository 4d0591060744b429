"""libxml2's neighbours: a university's Apache runs other modules that use libxml2 in the same
process.  Here Debian's mod_proxy_html and mod_xml2enc filter three kinds of page in the httpd
that serves the module, while students load their own pages at the same time:

- static HTML pages (one of them in GBK, which mod_xml2enc converts to UTF-8) whose links
  mod_proxy_html rewrites;
- the module's own pages passed through mod_proxy_html in the same request (the filter parses
  what the module's ap_rwrite hands it);
- the module reverse-proxied by the same httpd under another path, its links mapped.

Every answer under load must be byte for byte the answer of a quiet server (after the request id
and the minute are taken out), no process may crash (same pids before and after), the
processes' memory may not grow with the requests once warm, and under make test-asan the same
run is checked for invalid accesses and leaks (scripts/test-asan.sh).  The module leaves
libxml2's allocator as the process found it (lx_xml.c, lx_xslt.c).
"""
import concurrent.futures as cf
import os
import random
from pathlib import Path

import requests

from data import students_who_log_in
from lxenv import PASSWORD
from volatile import normal

MODULES = "/usr/lib/apache2/modules"
LOAD = "".join(f"LoadModule {name}_module {MODULES}/mod_{name}.so\n"
               for name in ("env", "proxy", "proxy_http", "xml2enc", "proxy_html"))
# the links mod_proxy_html rewrites (Debian's proxy_html.conf has the full list)
LINKS = """
ProxyHTMLLinks a href
ProxyHTMLLinks link href
ProxyHTMLLinks form action
ProxyHTMLLinks script src
ProxyHTMLLinks img src
"""


def static_pages(root: Path):
    """Pages of another application, with links to the old host that the filter maps."""
    root.mkdir(exist_ok=True)
    root.chmod(0o755)
    pages = {}
    for i in range(6):
        links = "\n".join(f'<li><a href="http://old.example.edu/app/p{i}/{k}">第{k}项</a>'
                          f'<img src="http://old.example.edu/app/img/{k}.png" alt="">'
                          for k in range(300))
        pages[f"p{i}.html"] = (
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>图书馆</title>"
            f'<link rel="stylesheet" href="http://old.example.edu/app/s{i}.css"></head>'
            f"<body><h1>页面 {i}</h1><ul>{links}</ul>"
            '<form action="http://old.example.edu/app/search"><input name="q"></form>'
            "</body></html>").encode()
    # xml2enc: a GBK page, converted to UTF-8 before mod_proxy_html parses it
    pages["gbk.html"] = (
        "<html><head><title>财务处</title></head><body><p>学费已结清</p>"
        '<a href="http://old.example.edu/app/finance">财务</a></body></html>').encode("gbk")
    for name, body in pages.items():
        (root / name).write_bytes(body)
        (root / name).chmod(0o644)
    return list(pages)


def neighbour_conf(httpd, root):
    return f"""{LOAD}{LINKS}
Alias /neighbour "{root}"
<Location /neighbour>
    Require all granted
</Location>
<Directory "{root}">
    AddCharset UTF-8 .html
    # mod_proxy_html filters proxied answers only, unless told
    SetEnv PROXY_HTML_FORCE 1
    ProxyHTMLEnable On
    ProxyHTMLURLMap http://old.example.edu/app /new
</Directory>
<Files "gbk.html">
    ForceType "text/html;charset=GBK"
</Files>

# the module's own pages through the filter, in the request that makes them
<Location /lx/>
    <If "%{{HTTP:X-Neighbour}} == 'filter'">
        SetEnv PROXY_HTML_FORCE 1
        ProxyHTMLEnable On
        ProxyHTMLURLMap /lx/ /filtered/lx/
    </If>
</Location>

# the module behind a reverse proxy on the same httpd, its links mapped to the proxy's path
<Location /proxied/>
    ProxyPass "http://127.0.0.1:{httpd.port}/lx/"
    ProxyPassReverse "http://127.0.0.1:{httpd.port}/lx/"
    ProxyHTMLEnable On
    ProxyHTMLURLMap /lx/ /proxied/
    Require all granted
</Location>
"""


def rss_kib(pids):
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def fetch(session, httpd, job):
    kind, path, user = job
    headers = {"X-Neighbour": "filter"} if kind == "filtered" else {}
    auth = (user, PASSWORD) if user else None
    r = session.get(httpd.url + path, auth=auth, headers=headers, timeout=60,
                    allow_redirects=False)
    return r.status_code, normal(r.content)


def test_libxml2_neighbours_filter_pages_while_students_load_theirs(env, httpd):
    root = env.base / "neighbour"
    names = static_pages(root)
    students = students_who_log_in(env, 40)
    jobs = ([("static", f"/neighbour/{n}", None) for n in names]
            + [("student", "/lx/", s) for s in students]
            + [("student", "/lx/?format=xml", s) for s in students[:5]]
            + [("filtered", "/lx/", s) for s in students[:10]]
            + [("proxied", "/proxied/", s) for s in students[10:20]])

    with httpd.extra_conf("neighbours", neighbour_conf(httpd, root)):
        with requests.Session() as s:
            quiet = {job: fetch(s, httpd, job) for job in jobs}
        for job, (status, body) in quiet.items():
            assert status == 200, (job, status)

        # each filter really ran: links mapped, GBK converted, the module's markup parsed
        assert b'href="/new/p0/7"' in quiet[("static", "/neighbour/p0.html", None)][1]
        gbk = quiet[("static", "/neighbour/gbk.html", None)][1]
        assert "学费已结清".encode() in gbk and b'href="/new/finance"' in gbk
        filtered = quiet[("filtered", "/lx/", students[0])][1]
        direct = quiet[("student", "/lx/", students[0])][1]
        assert b'"/filtered/lx/' in filtered and b'"/filtered/lx/' not in direct
        proxied = quiet[("proxied", "/proxied/", students[10])][1]
        assert b'"/proxied/' in proxied and students[10].encode() in proxied

        parent, children = httpd.pids()

        def worker(seed, rounds):
            rnd = random.Random(seed)
            order = jobs * rounds
            rnd.shuffle(order)
            wrong = []
            with requests.Session() as s:
                for job in order:
                    got = fetch(s, httpd, job)
                    if got != quiet[job]:
                        wrong.append((job, got[0]))
            return wrong

        def load(rounds, threads=16):
            with cf.ThreadPoolExecutor(threads) as ex:
                return [w for part in ex.map(worker, range(threads), [rounds] * threads)
                        for w in part]

        assert load(1) == []                      # warm: every thread's first pages
        wrong = load(4)
        assert wrong == [], wrong[:5]
        assert httpd.pids() == (parent, children), "an httpd process died under the load"
        if os.environ.get("LX_ASAN_LOG"):
            return      # AddressSanitizer's quarantine holds freed memory; LeakSanitizer checks
        # Once warm, the processes' memory levels off (malloc's arenas, one per busy thread,
        # and the filters' buffers: 36 MiB after 28 rounds, 30 after 5).  A page's document
        # left behind, a few kilobytes or more, would grow it by tens of megabytes per round.
        warm = rss_kib(children)
        wrong = load(8)
        grown = rss_kib(children) - warm
        assert wrong == [], wrong[:5]
        assert httpd.pids() == (parent, children), "an httpd process died under the load"
        requests_made = 16 * 8 * len(jobs)
        assert grown < 16 * 1024, f"httpd grew by {grown} KiB over {requests_made} requests"
