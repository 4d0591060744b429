"""The cluster of docs/operation.md "Large installations" on loopback, in a temporary directory of its
own: a PostgreSQL primary and a synchronous hot standby made by pg_basebackup (scripts/pg.sh
standby, sync), two httpd nodes with the module that name both database sockets and ask for
the writable one (scripts/httpd-conf.sh with LX_DB_HOSTS) and read the student page, the
status API and the dashboard from the standby (LixiaoReadDB, prefer-standby), sharing one
CSRF secret and the same password file, and a front httpd that balances /lx over them (httpd-conf.sh --balancer).

    base/pg1 pg2          the primary and the standby (scripts/pg.sh's layout each)
    base/node1 node2      the nodes' RUNDIRs
    base/front            the balancer's RUNDIR
"""
import os
import shutil
import time
from types import SimpleNamespace

import idleak
from lxenv import REPO, Cluster, Httpd, copy_templates, httpd_env, new_base, run

STANDBY = "lx_standby"
READ_APP = "lixiao_read"


def node_conf(read_hosts, dbpass):
    """Extra configuration of each node: a graceful stop lets the requests in flight finish;
    the pages that only read go to a standby while there is one (docs/operation.md
    "Reads on standbys"); read_hosts None: every read on the primary."""
    if not read_hosts:
        return "GracefulShutdownTimeout 30\n"
    hosts = ",".join(str(h) for h in read_hosts)
    return ("GracefulShutdownTimeout 30\n"
            f'LixiaoReadDB "host={hosts} dbname=lixiao user=lx_app password={dbpass} '
            f"connect_timeout=3 application_name={READ_APP} target_session_attrs=prefer-standby "
            "options='-c statement_timeout=5000 -c timezone=Asia/Shanghai'\"\n"
            # back to a standby one second after landing on the primary (default 30)
            "LixiaoReadRetry 1\n")


class Node(Httpd):
    """A test httpd with the module whose DBDParams name every host of hosts."""

    def __init__(self, base, cluster, templates, hosts, read_hosts):
        super().__init__(base, cluster, templates)
        self.hosts = hosts
        self.read_hosts = read_hosts

    def configure(self):
        run([str(REPO / "scripts/httpd-conf.sh"), str(self.base), str(self.port),
             self.cluster.dbpass, str(self.templates)],
            env=dict(os.environ, LX_DB_HOSTS=",".join(str(h) for h in self.hosts),
                     LX_EXTRA_CONF=node_conf(self.read_hosts, self.cluster.dbpass)))

    def graceful_stop(self):
        """apachectl -k graceful-stop: the listener closes at once, requests in flight finish
        (GracefulShutdownTimeout); returns when the server has gone."""
        pidfile = self.base / "run" / "httpd.pid"
        run(["apache2", "-f", str(self.conf), "-k", "graceful-stop"], env=httpd_env())
        deadline = time.time() + 60
        while pidfile.exists() and time.time() < deadline:
            time.sleep(0.05)
        assert not pidfile.exists(), "node did not stop within 60 s"


class Balancer(Httpd):
    """The front httpd: mod_proxy_balancer over the nodes (conf/balancer.conf.in)."""

    def __init__(self, base, nodes):
        super().__init__(base, None, None)
        self.nodes = nodes

    def configure(self):
        run([str(REPO / "scripts/httpd-conf.sh"), "--balancer", str(self.base), str(self.port),
             *[n.url for n in self.nodes]])


class ClusterEnv:
    """The whole cluster; `cluster` is the primary of the moment (data.py and operators.py
    read and write through it), `promote()` makes the standby that."""

    def __init__(self, size=400):
        self.base = new_base("lx-cluster-")
        self.templates = copy_templates(self.base)
        self.primary = Cluster(self.base / "pg1")
        self.standby = Cluster(self.base / "pg2")
        self.standby.dbpass = self.primary.dbpass
        self.cluster = self.primary
        hosts = [self.primary.sock, self.standby.sock]
        self.nodes = [Node(self.base / f"node{i}", self.primary, self.templates, hosts,
                           hosts[::-1]) for i in (1, 2)]
        self.balancer = Balancer(self.base / "front", self.nodes)
        self.size = size

    def start(self):
        self.primary.base.mkdir()
        self.primary.create(self.size)
        pg = str(REPO / "scripts/pg.sh")
        run([pg, "standby", str(self.primary.base), str(self.standby.base), STANDBY])
        run([pg, "sync", str(self.primary.base), STANDBY])
        first, *others = self.nodes
        first.configure()
        # one CSRF key for every node: a form made by one is accepted by the others
        for node in others:
            (node.base / "conf").mkdir(parents=True)
            shutil.copy2(first.base / "conf" / "secret", node.base / "conf" / "secret")
            node.configure()
        for node in self.nodes:
            node.start()
        self.balancer.configure()
        self.balancer.start()

    def kill_primary(self):
        """The primary dies (pg_ctl stop -m immediate: no shutdown checkpoint, as a crash)."""
        run([str(REPO / "scripts/pg.sh"), "stop", str(self.primary.base), "immediate"])

    def promote(self):
        run([str(REPO / "scripts/pg.sh"), "promote", str(self.standby.base)])
        self.cluster = self.standby

    def httpds(self):
        return [*self.nodes, self.balancer]

    def leaks(self):
        """idleak over the logs of every part (each has its own log directory)."""
        found = []
        for part in [self.primary, self.standby, *self.httpds()]:
            found += idleak.leaks(SimpleNamespace(cluster=self.cluster, base=part.base))
        return found

    def close(self, keep=False):
        """Stop everything; the directory is removed unless keep or LX_KEEP_CLUSTER is set
        (to read the logs of a run)."""
        keep = keep or bool(os.environ.get("LX_KEEP_CLUSTER"))
        for h in self.httpds():
            h.stop()
        self.primary.stop()
        self.standby.stop()
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)

