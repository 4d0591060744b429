"""make bench-stats: the leaders' dashboard and the desk's statistics area at the demo size and
at 1,000,000 students, in one run.  Target: at 1,000,000 within twice the demo size's time.

    make bench-stats                      demo size (10,500) and SIZE (default 1,000,000)
    SIZE=100000 make bench-stats          a smaller second size
    LX_BENCH_BIG=/path make bench-stats   reuse a cluster made before (scripts/pg.sh layout,
                                          password in /path/dbpass) instead of generating;
                                          a generated one is kept as make bench keeps it

Each size: a private PostgreSQL with the generated data and an httpd exactly as in
production (MPM event, mod_dbd), 30 warm-up requests, then 200 sequential requests per page,
one client; median and p99 in milliseconds.  The generation of 1,000,000 students takes about
50 minutes on this machine (2 cores)."""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lxenv import Env  # noqa: E402
from bench import Big  # noqa: E402

PAGES = [
    ("dashboard (XML)", "/lx/stats?format=xml", "leader"),
    ("dashboard (HTML)", "/lx/stats", "leader"),
    ("desk statistics, college point", "/lx/op?format=xml&at=college:01", "op_college_01"),
    ("desk statistics, library (all)", "/lx/op?format=xml&at=library", "op_library"),
]


def measure(httpd, n=200):
    out = {}
    for name, path, user in PAGES:
        for _ in range(30):
            assert httpd.get(path, user=user).status_code == 200
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = httpd.get(path, user=user)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
        times.sort()
        out[name] = (statistics.median(times), times[int(len(times) * 0.99) - 1])
    return out


def run(env, label):
    try:
        env.start()
        students = env.cluster.psql("SELECT count(*) FROM lx.student")[0][0]
        states = env.cluster.psql("SELECT count(*) FROM lx.step_state")[0][0]
        return label, students, states, measure(env.httpd)
    finally:
        env.close()


def main():
    big = int(os.environ.get("SIZE", "1000000"))
    results = [run(Env(size=10500), "demo")]
    # bench.Big reads LX_BENCH_BIG, applies pending migrations, and keeps what it generates
    results.append(run(Big(big), "big"))
    (_, s0, st0, m0), (_, s1, st1, m1) = results
    print(f"statistics: {s0} students ({st0} states) against {s1} students ({st1} states)")
    print(f"{'page':34} {'small p50':>10} {'p99':>8} {'big p50':>10} {'p99':>8} {'ratio':>6}")
    for name in m0:
        a, b = m0[name], m1[name]
        print(f"{name:34} {a[0]:10.2f} {a[1]:8.2f} {b[0]:10.2f} {b[1]:8.2f} {b[0] / a[0]:6.2f}")
    print("target: ratio (big p50 / small p50) <= 2")


if __name__ == "__main__":
    main()
