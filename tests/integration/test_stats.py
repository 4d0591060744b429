"""The live counters: exact at every moment, under concurrent confirms and revokes, without
scanning lx.step_state."""
import random
import threading

from data import make_class
from desk import batch, confirm, csrf_of, desk_xml, revoke


def differences(env):
    return env.cluster.psql("SELECT * FROM lx.stat_differences()")


def test_counters_equal_direct_counts_after_everything_so_far(env):
    assert differences(env) == []


def test_random_concurrent_changes_keep_every_figure_exact(httpd, env):
    classes = [make_class(env, "06", 8, party_member=True)[1] for _ in range(3)]
    users = ["op_college_06", "admin", "op_student_affairs"]
    errors = []

    def work(seed):
        rnd = random.Random(seed)
        csrfs = {u: csrf_of(httpd, u) for u in users}
        for _ in range(60):
            nos = rnd.choice(classes)
            pick = rnd.sample(nos, rnd.randint(1, len(nos)))
            kind = rnd.choice(["card", "card-revoke", "party", "party-revoke", "instruments"])
            if kind.startswith("card"):
                user, at, step = rnd.choice([("op_student_affairs", "student_affairs"),
                                             ("admin", "student_affairs")]) + ("student_card",)
                r = batch(httpd, user, at, nos[0], step, "class", pick,
                          action="revoke" if kind.endswith("revoke") else "confirm",
                          csrf=csrfs[user])
            elif kind == "party":
                r = confirm(httpd, "op_college_06", "college:06", pick[0], ["party_transfer"],
                            csrf=csrfs["op_college_06"])
            elif kind == "party-revoke":
                r = revoke(httpd, "op_college_06", "college:06", pick[0], "party_transfer",
                           csrf=csrfs["op_college_06"])
            else:
                r = confirm(httpd, "admin", "college:06", pick[0], ["instruments"],
                            csrf=csrfs["admin"])
            if r.status_code not in (200, 409):
                errors.append((kind, r.status_code, r.text[:200]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == []
    assert differences(env) == []
    # the desk's statistics area says what a direct count says
    direct = dict(env.cluster.psql("""
        SELECT st.code, count(*) FILTER (WHERE ss.state = 'done')
          FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
          JOIN lx.cohort c ON c.id = ss.cohort_id AND NOT c.closed
         WHERE st.code IN ('student_card', 'source_loan') GROUP BY st.code"""))
    doc = desk_xml(httpd, "op_student_affairs")
    for s in doc.find("desk/stats"):
        assert s.get("done") == direct[s.get("code")], s.get("code")


def test_statistics_queries_never_scan_the_state_table(env):
    """EXPLAIN every statistics query; on the small test data the planner may prefer a scan
    anyway, so scans are priced out: a sequential scan left in the plan means the query has no
    other way to get its figures."""
    point, college = env.cluster.psql("""SELECT p.id, c.id FROM lx.point p, lx.college c
                                          WHERE p.code = 'college' AND c.code = '01'""")[0]
    lib = env.cluster.psql("SELECT id FROM lx.point WHERE code = 'library'")[0][0]
    for sql in (f"SELECT * FROM lx.desk_stats({point}, {college})",
                f"SELECT * FROM lx.desk_stats({lib}, NULL)"):
        plan = "\n".join(r[0] for r in env.cluster.psql(
            f"SET enable_seqscan = off; EXPLAIN {sql}"))
        assert "stat_college" in plan, plan          # the function was inlined: a real plan
        assert "Seq Scan on step_state" not in plan, plan


# ---- the dashboard ------------------------------------------------------------------------
import xml.etree.ElementTree as ET  # noqa: E402


def stats_xml(httpd, user, query=""):
    r = httpd.get(f"/lx/stats?format=xml{query}", user=user)
    assert r.status_code == 200, r.text[:300]
    return ET.fromstring(r.content).find("stats")


def test_who_sees_the_dashboard(httpd):
    assert stats_xml(httpd, "leader").get("scope") == "all"
    assert stats_xml(httpd, "admin").get("scope") == "all"
    op = stats_xml(httpd, "op_college_01")
    assert op.get("scope") == "operator"
    assert {d.get("key") for d in op.findall("desk")} == {"college:01", "college_cert:01"}
    assert httpd.get("/lx/stats", user="2022010001").status_code == 403
    assert httpd.get("/lx/stats", user="stranger").status_code == 403


def test_dashboard_figures_are_direct_counts(httpd, env):
    cohort = env.cluster.psql("SELECT id FROM lx.cohort WHERE programme = 'ug' AND NOT closed "
                              "ORDER BY year DESC LIMIT 1")[0][0]
    st = stats_xml(httpd, "leader", f"&cohort={cohort}")
    direct = {r[0]: (r[1], r[2]) for r in env.cluster.psql(f"""
        SELECT co.code, count(*), count(*) FILTER (WHERE lx.student_cleared(s.id))
          FROM lx.student s JOIN lx.college co ON co.id = s.college_id
         WHERE s.cohort_id = {cohort} GROUP BY co.code""")}
    shown = {c.get("code"): (c.get("students"), c.get("cleared")) for c in st.findall("college")}
    assert shown == direct
    steps = {r[0]: (r[1], r[2]) for r in env.cluster.psql(f"""
        SELECT st.code, count(*) FILTER (WHERE ss.state <> 'na'),
               count(*) FILTER (WHERE ss.state = 'done')
          FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
         WHERE ss.cohort_id = {cohort} GROUP BY st.code
        HAVING count(*) FILTER (WHERE ss.state <> 'na') > 0""")}
    assert {s.get("step"): (s.get("applicable"), s.get("done")) for s in st.findall("step")} \
        == steps
    # drill down: a college's classes, a class's pending students with what they lack
    col = stats_xml(httpd, "leader", f"&cohort={cohort}&college=01")
    classes = col.findall("class")
    assert classes and sum(int(c.get("students")) for c in classes) == int(direct["01"][0])
    code = classes[0].get("code")
    cls = stats_xml(httpd, "leader", f"&cohort={cohort}&college=01&class={code}")
    pending = {p.get("student-no"): int(p.get("lacking-count")) for p in cls.findall("pending")}
    expected = dict((r[0], int(r[1])) for r in env.cluster.psql(f"""
        SELECT s.student_no, count(*) FROM lx.student s JOIN lx.class cl ON cl.id = s.class_id
          JOIN lx.step_state ss ON ss.student_id = s.id AND ss.state = 'pending'
          JOIN lx.step st ON st.id = ss.step_id AND NOT st.optional
         WHERE cl.code = '{code}' GROUP BY s.student_no"""))
    assert pending == expected


def test_dashboard_tables_export_as_csv(httpd, env):
    cohort = env.cluster.psql("SELECT id FROM lx.cohort ORDER BY year DESC LIMIT 1")[0][0]
    r = httpd.get(f"/lx/stats?format=csv&table=college&cohort={cohort}", user="leader")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert r.content.decode("utf-8-sig").splitlines()[0] == "code,name,students,cleared"
    assert httpd.get("/lx/stats?format=csv&table=class", user="leader").status_code == 400
    assert httpd.get("/lx/stats?format=csv&table=college&cohort=1",
                     user="op_college_01").status_code == 403


def test_dashboard_queries_never_scan_the_state_table(env):
    cohort = env.cluster.psql("SELECT id FROM lx.cohort ORDER BY year DESC LIMIT 1")[0][0]
    for sql in ("SELECT * FROM lx.stats_cohorts()",
                f"SELECT * FROM lx.stats_colleges({cohort})",
                f"SELECT * FROM lx.stats_steps({cohort}, NULL)",
                f"SELECT * FROM lx.stats_steps({cohort}, '01')",
                f"SELECT * FROM lx.stats_classes({cohort}, '01')",
                "SELECT * FROM lx.stats_pending('U01-2201')"):
        plan = "\n".join(r[0] for r in env.cluster.psql(f"SET enable_seqscan = off; EXPLAIN {sql}"))
        assert "Seq Scan on step_state" not in plan, (sql, plan)


def test_progress_over_days_adds_up_to_the_cleared_students(env):
    rows = env.cluster.psql("""
        SELECT c.id, coalesce((SELECT sum(cleared) FROM lx.stat_day d WHERE d.cohort_id = c.id), 0),
               (SELECT count(*) FROM lx.student s WHERE s.cohort_id = c.id
                   AND lx.student_cleared(s.id))
          FROM lx.cohort c""")
    for cohort, by_day, direct in rows:
        assert int(by_day) == int(direct), cohort


def test_dashboard_pages_render_with_svg_charts(httpd, env):
    r = httpd.get("/lx/stats", user="leader")
    assert r.status_code == 200 and "<svg" in r.text and "离校率" in r.text
    assert 'data-autorefresh="30"' in r.text
    cohort = env.cluster.psql("SELECT id FROM lx.cohort WHERE NOT closed ORDER BY year DESC LIMIT 1")[0][0]
    assert httpd.get(f"/lx/stats?cohort={cohort}&college=01", user="leader").status_code == 200
    assert httpd.get(f"/lx/stats?cohort={cohort}&college=01&class=U01-2201",
                     user="leader").status_code == 200
    assert httpd.get("/lx/stats", user="op_college_01").status_code == 200
    assert httpd.get("/lx/stats?college=x;y", user="leader").status_code == 400


def test_counters_follow_a_student_who_moves_or_leaves(env):
    from data import make_class
    _, (a, b) = make_class(env, "07", 2, party_member=True)
    target = env.cluster.psql("""SELECT cl.id, cl.college_id FROM lx.class cl
        JOIN lx.cohort c ON c.id = cl.cohort_id AND NOT c.closed AND c.programme = 'ug'
        JOIN lx.college co ON co.id = cl.college_id AND co.code = '08' LIMIT 1""")[0]
    env.cluster.psql(f"""UPDATE lx.student SET class_id = {target[0]}, college_id = {target[1]}
                          WHERE student_no = '{a}';
                         DELETE FROM lx.student WHERE student_no = '{b}';""")
    assert env.cluster.psql(f"SELECT count(*) FROM lx.student WHERE student_no = '{b}'") == [["0"]]
    assert differences(env) == []
