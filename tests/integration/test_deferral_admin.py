"""The deferral point, cohorts and step configuration, and the administrator's pages."""
import uuid
import xml.etree.ElementTree as ET

import pytest

from data import confirm_via_door, events, make_class, state
from desk import confirm, desk_xml, outcomes
from test_desk import finish_everything_but_certificates


def token(httpd, user, path, element):
    r = httpd.get(path + ("&" if "?" in path else "?") + "format=xml", user=user)
    assert r.status_code == 200, r.text[:300]
    node = ET.fromstring(r.content).find(element)
    return node.get("csrf")


def deferral(httpd, user, action, student, note=None):
    data = {"csrf": token(httpd, user, "/lx/deferral", "deferral"), "rid": uuid.uuid4().hex,
            "s": student}
    if note is not None:
        data["note"] = note
    return httpd.request("POST", f"/lx/deferral/{action}", user=user, data=data)


def admin(httpd, action, fields, user="admin"):
    data = {"csrf": token(httpd, "admin", "/lx/admin", "admin") if user == "admin"
            else "x", "rid": uuid.uuid4().hex}
    data.update(fields)
    return httpd.request("POST", f"/lx/admin/{action}", user=user, data=data)


def unpaid_student(env, college="10"):
    """Everything but the certificates done, arrears of 800 yuan unpaid."""
    _, (s,) = make_class(env, college, 1)
    finish_everything_but_certificates(env, s)
    env.cluster.psql(f"""
        UPDATE lx.student SET arrears = 800, arrears_received_at = now()
         WHERE student_no = '{s}';
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY(SELECT id FROM lx.student WHERE student_no = '{s}'), 't');""")
    assert state(env, s, "arrears") == "pending"
    return s


# ---- the deferral point -----------------------------------------------------------------

@pytest.mark.parametrize("user,status", [
    ("deferral", 200), ("admin", 200), ("op_finance", 403), ("op_college_01", 403),
    ("leader", 403), ("2022010006", 403), ("stranger", 403)])
def test_who_reaches_the_deferral_point(httpd, user, status):
    assert httpd.get("/lx/deferral", user=user).status_code == status


def test_closed_gate_lets_certificates_through(httpd, env):
    s = unpaid_student(env)
    r = confirm(httpd, "op_cert_10", "college_cert:10", s, ["certificates"])
    assert r.status_code == 409
    assert [o[3] for o in outcomes(r)] == ["缴清欠费"]
    # the deferral officer sees the gate on and closes it on the evidence
    doc = ET.fromstring(httpd.get(f"/lx/deferral?format=xml&s={s}", user="deferral").content)
    assert doc.find("deferral/student").get("gate-closed") == "0"
    assert deferral(httpd, "deferral", "close", s, note="").status_code == 400
    r = deferral(httpd, "deferral", "close", s, note="缓交证明 HX-2026-017")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"s={s}&done=close")
    doc = ET.fromstring(httpd.get(f"/lx/deferral?format=xml&s={s}", user="deferral").content)
    gate = doc.find("deferral/student")
    assert gate.get("gate-closed") == "1" and gate.get("note") == "缓交证明 HX-2026-017"
    assert s in [g.get("student-no") for g in doc.find("deferral/closed")]
    # the student's own page says so, and the certificates go through
    sheet = ET.fromstring(httpd.get("/lx/?format=xml", user="admin") and
                          httpd.get(f"/lx/student/{s}?format=xml", user="admin").content)
    assert sheet.find(".//step[@code='arrears']").get("overridden") == "1"
    r = confirm(httpd, "op_cert_10", "college_cert:10", s, ["certificates"])
    assert r.status_code == 200 and state(env, s, "certificates") == "done"
    # the arrears still count: the finance step stays pending
    assert state(env, s, "arrears") == "pending"
    # opening again now would leave issued certificates behind an open gate: refused
    r = deferral(httpd, "deferral", "open", s, note="证明作废")
    assert r.status_code == 409 and "撤销" in r.text
    kinds = env.cluster.psql(f"""
        SELECT e.kind, e.login FROM lx.event e JOIN lx.student st ON st.id = e.student_id
         WHERE st.student_no = '{s}' AND e.kind LIKE 'override%'""")
    assert kinds == [["override_on", "deferral"]]


def test_opening_the_gate_again_blocks_certificates(httpd, env):
    s = unpaid_student(env)
    assert deferral(httpd, "deferral", "close", s, note="缓交证明 1").status_code == 303
    r = deferral(httpd, "deferral", "open", s, note="学生已撤回申请")
    assert r.status_code == 303 and r.headers["Location"].endswith("done=open")
    r = confirm(httpd, "op_cert_10", "college_cert:10", s, ["certificates"])
    assert r.status_code == 409 and state(env, s, "certificates") == "pending"
    kinds = [k for (k,) in env.cluster.psql(f"""
        SELECT e.kind FROM lx.event e JOIN lx.student st ON st.id = e.student_id
         WHERE st.student_no = '{s}' AND e.kind LIKE 'override%' ORDER BY e.id""")]
    assert kinds == ["override_on", "override_off"]


def test_a_done_finance_step_cannot_be_changed_even_by_a_forged_request(httpd, env):
    _, (s,) = make_class(env, "10", 1)
    env.cluster.psql(f"""
        UPDATE lx.student SET arrears = 0, arrears_received_at = now() WHERE student_no = '{s}';
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY(SELECT id FROM lx.student WHERE student_no = '{s}'), 't');""")
    html = httpd.get(f"/lx/deferral?s={s}", user="deferral").text
    assert "disabled" in html
    before = events(env, [s])
    r = deferral(httpd, "deferral", "close", s, note="伪造")
    assert r.status_code == 409 and "已完成" in r.text
    assert events(env, [s]) == before
    # nor can anyone but a deferral officer
    r = httpd.request("POST", "/lx/deferral/close", user="op_finance",
                      data={"csrf": "x", "rid": uuid.uuid4().hex, "s": s, "note": "x"})
    assert r.status_code == 403


def test_deferral_search_by_id_keeps_it_out_of_urls(httpd, env):
    idn = env.cluster.psql("SELECT id_number FROM lx.student WHERE student_no = '2022010006'")[0][0]
    r = httpd.request("POST", "/lx/deferral/search", user="deferral",
                      data={"csrf": token(httpd, "deferral", "/lx/deferral", "deferral"),
                            "q": idn.lower()})
    assert r.status_code == 303 and r.headers["Location"].endswith("/lx/deferral?s=2022010006")


def test_deferral_search_takes_a_six_character_name_as_a_name(httpd, env):
    """Issue 22: six Chinese characters (18 bytes) were refused as a bad ID number."""
    r = httpd.request("POST", "/lx/deferral/search", user="deferral",
                      data={"csrf": token(httpd, "deferral", "/lx/deferral", "deferral"),
                            "q": "欧阳娜娜娜娜"})
    # the desk of the deferral point searches by numbers only: it says so, not "bad ID"
    assert "17 位数字" not in r.text and "请输入 10 位学号或 18 位身份证号" in r.text


# ---- the administrator's pages ----------------------------------------------------------

@pytest.mark.parametrize("user,status", [
    ("admin", 200), ("deferral", 403), ("op_library", 403), ("leader", 403),
    ("2022010001", 403), ("stranger", 403)])
def test_who_reaches_the_admin_pages(httpd, user, status):
    for tab in ("operators", "steps", "cohorts", "events"):
        assert httpd.get(f"/lx/admin?tab={tab}", user=user).status_code == status


def test_admin_changes_need_an_admin_even_forged(httpd, env):
    before = env.cluster.psql("SELECT count(*) FROM lx.operator")[0][0]
    for user in ("op_library", "deferral", "2022010001"):
        r = admin(httpd, "operator", {"login": "intruder", "name": "x", "is_admin": "1",
                                      "active": "1"}, user=user)
        assert r.status_code == 403
    assert env.cluster.psql("SELECT count(*) FROM lx.operator")[0][0] == before


def test_operator_added_and_removed_takes_effect_at_once(httpd, env):
    login = "op_new_" + uuid.uuid4().hex[:6]
    r = admin(httpd, "operator", {"login": login, "name": "新来的 老师", "active": "1"})
    assert r.status_code == 303
    env.httpd.configure()            # the demo's password file lists every operator
    assert httpd.get("/lx/op", user=login).status_code == 403       # no point yet
    assert admin(httpd, "assign", {"login": login, "point": "library"}).status_code == 303
    doc = desk_xml(httpd, login)
    assert doc.find("desk").get("key") == "library"
    assert admin(httpd, "unassign", {"login": login, "point": "library"}).status_code == 303
    assert httpd.get("/lx/op", user=login).status_code == 403
    assert admin(httpd, "operator-delete", {"login": login}).status_code == 303
    assert httpd.get("/lx/", user=login).status_code == 403
    notes = [n for (n,) in env.cluster.psql(
        f"SELECT note FROM lx.event WHERE kind = 'config' AND note LIKE '%{login}%'")]
    assert len(notes) == 4


def test_college_point_assignment_needs_a_college(httpd):
    r = admin(httpd, "assign", {"login": "op_library", "point": "college"})
    assert r.status_code == 400 and "学院" in r.text


def test_a_prerequisite_cycle_is_refused(httpd, env):
    r = admin(httpd, "prereq", {"step": "party_transfer", "requires": "certificates"})
    assert r.status_code == 409 and "循环" in r.text
    assert env.cluster.psql("SELECT count(*) FROM lx.step_prereq")[0][0] == "0"
    # a chain a -> b is fine; then b -> a closes a cycle
    assert admin(httpd, "prereq", {"step": "dorm_items", "requires": "electricity"}
                 ).status_code == 303
    try:
        r = admin(httpd, "prereq", {"step": "electricity", "requires": "dorm_items"})
        assert r.status_code == 409 and "循环" in r.text
        # the new prerequisite holds at the desk
        _, (s,) = make_class(env, "07", 1)
        r = confirm(httpd, "op_dorm", "dorm", s, ["dorm_items"])
        assert r.status_code == 409 and outcomes(r)[0][3] == "清理电费"
    finally:
        assert admin(httpd, "prereq-delete", {"step": "dorm_items", "requires": "electricity"}
                     ).status_code == 303


def test_step_rule_change_applies_at_once(httpd, env):
    _, (s,) = make_class(env, "08", 1)
    assert state(env, s, "switch_return") == "na"
    steps = ET.fromstring(httpd.get("/lx/admin?tab=steps&format=xml", user="admin").content)
    sw = steps.find("admin/step[@code='switch_return']")
    fields = {"code": "switch_return", "name": sw.get("name"), "hint": sw.get("hint") or "",
              "mode.individual": "1"}
    try:
        # everyone must now return a switch (a rule without facts applies to all)
        assert admin(httpd, "step", fields).status_code == 303
        assert state(env, s, "switch_return") == "pending"
    finally:
        assert admin(httpd, "step", dict(fields, **{"when.borrowed_switch": "1"})
                     ).status_code == 303
    assert state(env, s, "switch_return") == "na"
    r = admin(httpd, "step", dict(fields, **{"mode.teleport": "1"}))
    assert r.status_code == 400 and "办理方式" in r.text
    r = admin(httpd, "step", {"code": "switch_return", "name": "x", "hint": ""})
    assert r.status_code == 400 and "办理方式" in r.text


def test_cohorts_enable_steps_close_and_roll_over(httpd, env):
    ug = env.cluster.psql("""SELECT id FROM lx.cohort WHERE programme = 'ug' AND NOT closed
                              ORDER BY year DESC LIMIT 1""")[0][0]
    # the retired refund step: enabled for no current cohort
    assert env.cluster.psql(f"""SELECT count(*) FROM lx.cohort_step cs JOIN lx.step s
        ON s.id = cs.step_id WHERE s.code = 'refund'""")[0][0] == "0"
    # enabling creates states, disabling removes them while nobody has done the step
    assert admin(httpd, "cohort-step", {"cohort": ug, "step": "refund", "on": "1"}
                 ).status_code == 303
    n = int(env.cluster.psql(f"""SELECT count(*) FROM lx.step_state ss JOIN lx.step s
        ON s.id = ss.step_id WHERE s.code = 'refund' AND ss.cohort_id = {ug}""")[0][0])
    students = int(env.cluster.psql(f"SELECT count(*) FROM lx.student WHERE cohort_id = {ug}")[0][0])
    assert n == students
    assert admin(httpd, "cohort-step", {"cohort": ug, "step": "refund"}).status_code == 303
    assert env.cluster.psql(f"""SELECT count(*) FROM lx.step_state ss JOIN lx.step s
        ON s.id = ss.step_id WHERE s.code = 'refund'""")[0][0] == "0"
    # a step somebody did cannot be disabled: the records would be lost
    r = admin(httpd, "cohort-step", {"cohort": ug, "step": "student_card"})
    assert r.status_code == 409 and "不能停用" in r.text
    # next year's cohort from this one, in one action, then closed
    r = admin(httpd, "cohort-next", {"cohort": ug})
    assert r.status_code == 303
    nxt = env.cluster.psql(f"""SELECT id, name FROM lx.cohort WHERE programme = 'ug'
                                ORDER BY year DESC LIMIT 1""")[0]
    try:
        same = env.cluster.psql(f"""
            SELECT (SELECT array_agg(step_id ORDER BY step_id) FROM lx.cohort_step
                     WHERE cohort_id = {ug})
                 = (SELECT array_agg(step_id ORDER BY step_id) FROM lx.cohort_step
                     WHERE cohort_id = {nxt[0]})""")[0][0]
        assert same == "t" and nxt[1].endswith("届本科")
        assert admin(httpd, "cohort-next", {"cohort": ug}).status_code == 409
        # the registration certificate stays off, as in the cohort it came from
        assert env.cluster.psql(f"""SELECT count(*) FROM lx.cohort_certificate
            WHERE cohort_id = {nxt[0]} AND certificate = 'registration'""")[0][0] == "0"
    finally:
        assert admin(httpd, "cohort-close", {"cohort": nxt[0]}).status_code == 303
    # a closed cohort is read-only
    r = admin(httpd, "cohort-step", {"cohort": nxt[0], "step": "refund", "on": "1"})
    assert r.status_code == 409 and "归档" in r.text
    env.cluster.psql(f"""
        INSERT INTO lx.class (college_id, cohort_id, code, name)
        SELECT id, {nxt[0]}, 'CLOSED-1', '归档班' FROM lx.college WHERE code = '01';
        INSERT INTO lx.student (student_no, name, gender, id_type, id_number, college_id,
                                class_id, cohort_id)
        SELECT '2999000001', '归档生', 'F', 'passport', 'E99999999', c.college_id, c.id,
               c.cohort_id FROM lx.class c WHERE c.code = 'CLOSED-1';""")
    assert confirm_via_door(env, ["2999000001"], "student_card", "class") == [["cohort_closed"]]


def test_event_log_search_for_disputes(httpd, env):
    s = unpaid_student(env)
    deferral(httpd, "deferral", "close", s, note="缓交证明 E-1")
    doc = ET.fromstring(httpd.get(f"/lx/admin?tab=events&format=xml&student={s}",
                                  user="admin").content)
    rows = doc.findall("admin/events/event")
    assert rows and all(e.get("student-no") == s for e in rows)
    assert "override_on" in [e.get("kind") for e in rows]
    doc = ET.fromstring(httpd.get(
        f"/lx/admin?tab=events&format=xml&student={s}&login=deferral&point=deferral",
        user="admin").content)
    assert [e.get("kind") for e in doc.findall("admin/events/event")] == ["override_on"]
    doc = ET.fromstring(httpd.get(
        "/lx/admin?tab=events&format=xml&login=deferral&from=2000-01-01&to=2000-01-02",
        user="admin").content)
    assert doc.findall("admin/events/event") == []
    r = httpd.get("/lx/admin?tab=events&from=yesterday", user="admin")
    assert r.status_code == 200 and "YYYY-MM-DD" in r.text
