"""Test data of our own, created through SQL and the one door, isolated from the demo's."""
import itertools

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_seq = itertools.count(1)


def resident_id(body17):
    """A GB 11643-1999 number: 17 digits and the check character."""
    s = sum(int(c) * w for c, w in zip(body17, WEIGHTS))
    return body17 + "10X98765432"[s % 11]


def make_class(env, college="01", n=10, programme="ug", dorm=True, **facts):
    """A new class of n students in college, in the open cohort of programme, every student
    with the given facts (party_member=True, ...), a dorm room of 5 per room when dorm, and
    their states created by lx.sync_steps.  Returns (class_code, [student numbers])."""
    k = next(_seq)
    code = f"T{college}-{k:04d}"
    nos = [f"29{k:04d}{i:04d}" for i in range(1, n + 1)]
    fact_cols = ", ".join(facts) if facts else ""
    fact_vals = ", ".join("true" if v else "false" for v in facts.values()) if facts else ""
    rows = []
    for i, no in enumerate(nos, 1):
        idn = resident_id(f"430102{2001 + i % 3}{(i % 12) + 1:02d}{(i % 27) + 1:02d}{k % 1000:03d}")
        room = f"(SELECT id FROM lx.dorm_room WHERE building = 'T{k}栋' AND room = '{(i - 1) // 5 + 101}')" if dorm else "NULL::integer"
        extra = f", {fact_vals}" if facts else ""
        rows.append(f"('{no}', '测试{k}号{i}', 'M', 'resident', '{idn}', cl.college_id, cl.id, "
                    f"cl.cohort_id, {room}{extra})")
    rooms = ", ".join(f"('T{k}栋', '{r + 101}')" for r in range((n + 4) // 5))
    sql = f"""
        INSERT INTO lx.dorm_room (building, room) VALUES {rooms};
        INSERT INTO lx.class (college_id, cohort_id, code, name)
        SELECT c.id, ch.id, '{code}', '测试{k}班'
          FROM lx.college c, lx.cohort ch
         WHERE c.code = '{college}' AND ch.programme = '{programme}' AND NOT ch.closed
         ORDER BY ch.year DESC LIMIT 1;
        INSERT INTO lx.student (student_no, name, gender, id_type, id_number, college_id,
                                class_id, cohort_id, dorm_room_id{', ' + fact_cols if facts else ''})
        SELECT v.* FROM lx.class cl, LATERAL (VALUES {', '.join(rows)}) AS v
         WHERE cl.code = '{code}';
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY(SELECT s.id FROM lx.student s JOIN lx.class cl
                                     ON cl.id = s.class_id WHERE cl.code = '{code}'),
                             'system:test');
    """
    env.cluster.psql(sql)
    return code, nos


def state(env, no, step):
    rows = env.cluster.psql(f"""
        SELECT ss.state FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
          JOIN lx.student s ON s.id = ss.student_id
         WHERE s.student_no = '{no}' AND st.code = '{step}'""")
    return rows[0][0] if rows else None


def events(env, nos, step=None):
    nos_sql = ",".join(f"'{n}'" for n in nos)
    step_sql = f"AND e.step_id = (SELECT id FROM lx.step WHERE code = '{step}')" if step else ""
    return int(env.cluster.psql(f"""
        SELECT count(*) FROM lx.event e JOIN lx.student s ON s.id = e.student_id
         WHERE s.student_no IN ({nos_sql}) {step_sql}""")[0][0])


def confirm_via_door(env, nos, step, how="individual", login="admin"):
    nos_sql = ",".join(f"'{n}'" for n in nos)
    return env.cluster.psql(f"""
        SET ROLE lx_owner;
        SELECT outcome FROM lx.change('confirm', (SELECT id FROM lx.step WHERE code = '{step}'),
            ARRAY(SELECT id FROM lx.student WHERE student_no IN ({nos_sql})), '{how}',
            '{login}')""")


def lx_app_statements(env):
    """The statements the module's role (lx_app) ran since pg_stat_statements_reset()."""
    return int(env.cluster.psql("""
        SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s
          JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = 'lx_app'""")[0][0])


def students_who_log_in(env, n):
    """The first n students (by number) of the open cohorts who are in httpd's password file:
    the demo's, not those a test added since httpd was configured."""
    logins = {line.split(":", 1)[0]
              for line in (env.base / "conf" / "htpasswd").read_text().splitlines()}
    rows = env.cluster.psql(
        "SELECT student_no FROM lx.student s JOIN lx.cohort c ON c.id = s.cohort_id "
        "WHERE NOT c.closed ORDER BY student_no")
    return [r[0] for r in rows if r[0] in logins][:n]


def every_page(env):
    """(login, path) of one page of each kind that every role sees, for the checks that
    every page must pass (axe-core, the phone)."""
    _, (s,) = make_class(env, "01", 1, party_member=True)
    return [
        ("op_college_01", "/lx/"),
        ("op_college_01", "/lx/op?at=college:01"),
        ("op_college_01", f"/lx/op?at=college:01&s={s}"),
        ("op_college_01", f"/lx/op/batch?at=college:01&step=party_transfer&mode=class&s={s}"),
        ("op_college_01", f"/lx/student/{s}"),
        ("2022010002", "/lx/"),
        ("deferral", "/lx/deferral?s=2022010006"),
        ("leader", "/lx/stats"),
        ("admin", "/lx/admin"),
        ("admin", "/lx/admin?tab=setup&college=01"),
        ("admin", "/lx/admin?tab=steps"),
        ("admin", "/lx/admin?tab=cohorts"),
        ("admin", "/lx/admin?tab=tokens"),
        ("admin", "/lx/admin?tab=events&student=2022010001"),
        ("admin", "/lx/admin?tab=import"),
    ]
