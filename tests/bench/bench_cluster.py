"""make bench-cluster: issue 10's figures on loopback.  The cluster of docs/operation.md
"Large installations" (tests/integration/clusterenv.py: a primary, a synchronous standby, two httpd
nodes, a balancer in front), with the demo's 10,500 students, loaded with wrk through the
balancer:

    one node        the balancer with node 2 stopped (graceful-stop)
    two nodes       both nodes, every read on the primary
    two nodes, reads on the standby   LixiaoReadDB on both nodes (prefer-standby)
    node 1 direct   the same node without the balancer: what the proxy costs

for the student page (random students, full render) and the portal's status API.  Besides
the throughput, each run counts the CPU time each would-be machine spent (the primary's and
the standby's PostgreSQL, each node's httpd, the balancer) per request: on machines of their
own that is what bounds each one, and it shows where a second node or the standby takes work
off the others.  Writes
bench/cluster.json (commit, date, machine, wrk commands and raw output, figures) and
bench/cluster.md, whose table it copies into docs/performance.md.  Every process runs on the same two
cores: a second node or a standby can only add throughput where it has cores of its own, and
these figures show what the extra hops cost and what the machinery does, not what more
machines would give.

    BENCH_DURATION=15   seconds of each wrk run (default 15)
    BENCH_ROUNDS=2      rounds, alternating the set-ups (default 2)
"""
import datetime
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))
sys.path.insert(0, str(HERE))
import bench  # noqa: E402
from bench import Wrk, basic, commit, log, machine, median_of  # noqa: E402
from clusterenv import ClusterEnv  # noqa: E402

CONNECTIONS = 64
CORES_EACH = 2          # the capacity model: every machine as large as this one
SETUPS = [
    ("one_node", "one node behind the balancer"),
    ("two_nodes", "two nodes behind the balancer"),
    ("two_nodes_standby", "two nodes, reads on the standby"),
    ("direct", "node 1 direct, no balancer"),
]
LOADS = [("page", "student page"), ("api", "status API")]


class ClusterBench:
    def __init__(self):
        self.env = ClusterEnv(size=bench.DEMO)
        self.plans = Path(bench.tempfile.mkdtemp(prefix="lx-bench-cluster-", dir="/tmp"))
        self.runs = {}

    def start(self):
        log(f"generating {bench.DEMO:,} students, a standby, two nodes and a balancer")
        self.env.start()
        self.reads_on_standby(False)
        self.plans.chmod(0o755)
        students = [r[0] for r in self.env.cluster.psql(
            "SELECT student_no FROM lx.student ORDER BY 1")]
        lines = {
            "page": [("GET", "/lx/", f"Authorization: {basic(n)}", "") for n in students],
            "api": [("GET", f"/lx/api/v1/students/{n}/status", f"Authorization: {basic(n)}", "")
                    for n in students],
        }
        for name, rows in lines.items():
            path = self.plans / f"{name}.plan"
            path.write_text("".join("\t".join(f) + "\n" for f in rows))
            path.chmod(0o644)
        self.front = Wrk(self.env.balancer.url, self.plans)
        self.direct = Wrk(self.env.nodes[0].url, self.plans)

    def reads_on_standby(self, on):
        """LixiaoReadDB on both nodes (reconfigured and restarted), or every read on the
        primary."""
        for node in self.env.nodes:
            node.read_hosts = [self.env.standby.sock, self.env.primary.sock] if on else None
            node.configure()
            node.stop()
            node.start()
        page = self.env.balancer.get("/lx/", user="2022010002")
        assert page.status_code == 200 and ("数据截至" in page.text) == on, page.status_code

    def machines(self):
        """{would-be machine: the pid file of its parent process}."""
        e = self.env
        return {"primary": e.primary.base / "pg" / "postmaster.pid",
                "standby": e.standby.base / "pg" / "postmaster.pid",
                "node1": e.nodes[0].base / "run" / "httpd.pid",
                "node2": e.nodes[1].base / "run" / "httpd.pid",
                "balancer": e.balancer.base / "run" / "httpd.pid"}

    def cpu_s(self):
        """{machine: CPU seconds of its processes so far} (a stopped one: 0)."""
        return {name: cpu_of_tree(pidfile) for name, pidfile in self.machines().items()}

    def measure(self, setup, wrk):
        for load, _ in LOADS:
            wrk("warm-up", f"{load}.plan", connections=CONNECTIONS, duration=3, record=False)
            before = self.cpu_s()
            r = wrk(f"{setup} {load}", f"{load}.plan", connections=CONNECTIONS)
            after = self.cpu_s()
            # CPU microseconds a request, each machine
            r = dict(r, cpu_us={m: round((after[m] - before[m]) * 1e6 / r["requests"])
                                for m in after})
            self.runs.setdefault(f"{setup}/{load}", []).append(r)

    def round(self):
        node2 = self.env.nodes[1]
        node2.graceful_stop()
        time.sleep(1)
        self.measure("one_node", self.front)
        node2.start()
        time.sleep(1)
        self.measure("two_nodes", self.front)
        self.measure("direct", self.direct)
        self.reads_on_standby(True)
        self.measure("two_nodes_standby", self.front)
        self.reads_on_standby(False)

    def close(self):
        self.env.close()
        bench.shutil.rmtree(self.plans, ignore_errors=True)


TICK = os.sysconf("SC_CLK_TCK")


def cpu_of_tree(pidfile):
    """CPU seconds of the process named by pidfile's first line, its children (with their
    threads), and the children it has reaped (cutime, cstime)."""
    try:
        parent = int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    pids, ticks = [parent], 0
    try:
        for task in Path(f"/proc/{parent}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        return 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue                  # gone meanwhile
        ticks += int(fields[11]) + int(fields[12])          # utime, stime
        if pid == parent:
            ticks += int(fields[13]) + int(fields[14])      # cutime, cstime
    return ticks / TICK


def figures(runs):
    f = {}
    for key, results in runs.items():
        f[key] = median_of([{k: v for k, v in r.items() if k != "cpu_us"} for r in results])
        f[key]["cpu_us"] = {m: sorted(r["cpu_us"][m] for r in results)[len(results) // 2]
                            for m in results[0]["cpu_us"]}
    for x in f.values():
        # each would-be machine with 2 cores of its own: the busiest bounds the whole
        busiest = max(x["cpu_us"].values())
        x["capacity_rps"] = round(CORES_EACH * 1e6 / busiest) if busiest else None
    ratio = {}
    for load, _ in LOADS:
        cap = {k.split("/")[0]: x["capacity_rps"] for k, x in f.items() if k.endswith(load)}
        ratio[f"{load}_capacity_two_nodes_one"] = round(cap["two_nodes"] / cap["one_node"], 3)
        ratio[f"{load}_capacity_standby_primary"] = round(
            cap["two_nodes_standby"] / cap["two_nodes"], 3)
        one, two = f[f"one_node/{load}"]["rps"], f[f"two_nodes/{load}"]["rps"]
        ratio[f"{load}_two_nodes_one"] = round(two / one, 3)
        ratio[f"{load}_standby_primary"] = round(
            f[f"two_nodes_standby/{load}"]["rps"] / two, 3)
        ratio[f"{load}_balancer_direct"] = round(
            f[f"two_nodes/{load}"]["rps"] / f[f"direct/{load}"]["rps"], 3)
    return f, ratio


def markdown(result):
    f, r = result["figures"], result["ratios"]
    out = [f"Commit `{result['commit'][:12]}`, {result['date']}, {result['machine']['cpu']}, "
           f"{result['machine']['cores']} cores for everything (two PostgreSQL servers, three "
           f"httpd, wrk); {CONNECTIONS} connections, {bench.DURATION} s a run, median of "
           f"{bench.ROUNDS} alternating rounds.", "",
           "| set-up | load | req/s | p50 ms | p99 ms | errors |",
           "|---|---|---:|---:|---:|---:|"]
    for setup, label in SETUPS:
        for load, load_label in LOADS:
            x = f[f"{setup}/{load}"]
            out.append(f"| {label} | {load_label} | {x['rps']:,.0f} | {x['p50_ms']:.2f} | "
                       f"{x['p99_ms']:.2f} | {x['errors']:.0f} |")
    out += ["", "CPU time a request on each would-be machine (µs; median of the rounds):", "",
            "| set-up | load | primary | standby | node 1 | node 2 | balancer | capacity, "
            f"{CORES_EACH} cores each (req/s) |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]
    for setup, label in SETUPS:
        for load, load_label in LOADS:
            x = f[f"{setup}/{load}"]
            c = x["cpu_us"]
            out.append(f"| {label} | {load_label} | " + " | ".join(
                str(c[m]) for m in ("primary", "standby", "node1", "node2", "balancer"))
                + f" | {x['capacity_rps']:,} |")
    out += ["", f"Capacity: {CORES_EACH} × 1,000,000 µs a second over the busiest machine's µs "
            "a request: what the set-up would serve with every part on a machine of its own "
            "like this one (a model from measured CPU times, not a measured throughput)."]
    out += ["", "| ratio | student page | status API |", "|---|---:|---:|"]
    for key, label in [("two_nodes_one", "two nodes / one node (measured, same 2 cores)"),
                       ("standby_primary", "reads on the standby / on the primary (measured)"),
                       ("balancer_direct", "two nodes behind the balancer / one node direct"),
                       ("capacity_two_nodes_one", "two nodes / one node (capacity)"),
                       ("capacity_standby_primary", "reads on the standby / on the primary "
                                                    "(capacity)")]:
        out.append(f"| {label} | {r['page_' + key]} | {r['api_' + key]} |")
    return "\n".join(out) + "\n"


def write(result):
    bench.publish("cluster", "make bench-cluster", "bench-cluster", result, markdown(result))


def main():
    started = datetime.datetime.now(datetime.timezone.utc)
    b = ClusterBench()
    try:
        b.start()
        for k in range(bench.ROUNDS):
            log(f"round {k + 1} of {bench.ROUNDS}")
            b.round()
        errors = [line for h in b.env.httpds() for line in h.log_since(0)
                  if bench.re.search(r"\[[\w_]*:(error|crit|alert|emerg)\]", line)]
    finally:
        b.close()
    f, ratios = figures(b.runs)
    write({
        "commit": commit(), "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "wrk": [run for w in (b.front, b.direct) for run in w.runs],
        "figures": f, "ratios": ratios,
        "errors": sum(x["errors"] for x in f.values()),
        "error_log_lines": errors[:20],
    })


if __name__ == "__main__":
    main()
