"""The operator desk end to end over HTTP: search, every point's steps, batches, scope, rules,
revoke, idempotency, CSRF and the set-based batch."""
import re
import time
import uuid
import xml.etree.ElementTree as ET

import pytest

from data import confirm_via_door, events, lx_app_statements, make_class, resident_id, state
from desk import batch, confirm, csrf_of, desk_xml, forge_token, outcomes, post, revoke

PARTY_TWO_LOANS = "2022010003"


# ---- who reaches the desk -------------------------------------------------------------

@pytest.mark.parametrize("user", ["2022010001", "leader", "stranger"])
def test_only_operators_reach_the_desk(httpd, user):
    assert httpd.get("/lx/op", user=user).status_code == 403


def test_nothing_ticked_or_no_reason_keeps_the_student_at_the_desk(httpd, env):
    """Issue 22: these gave a full-page 400 whose only way on was 返回首页."""
    _, nos = make_class(env, "01", 2, party_member=True)
    s = nos[0]
    r = post(httpd, "op_college_01", "/lx/op/confirm",
             {"at": "college:01", "how": "individual", "s": s}, xml=False)
    assert r.status_code == 400 and "请至少勾选一项业务后再提交" in r.text
    assert "返回首页" not in r.text and s in r.text and 'name="step.party_transfer"' in r.text
    r = revoke(httpd, "op_college_01", "college:01", s, "party_transfer", reason="", xml=False)
    assert r.status_code == 400 and "撤销须填写原因" in r.text
    assert "返回首页" not in r.text and 'name="step.party_transfer"' in r.text
    # a class batch with nobody ticked: the batch page again
    r = post(httpd, "op_college_01", "/lx/op/confirm",
             {"at": "college:01", "how": "class", "s": s, "step.party_transfer": "1"}, xml=False)
    assert r.status_code == 400 and "请至少勾选一名学生后再提交" in r.text
    assert all(f'name="sid.{n}"' in r.text for n in nos)


def test_a_search_that_finds_nothing_keeps_what_was_typed(httpd):
    """Issue 22: after any search error the box was emptied; an ID number is still never
    written back into the page."""
    for typed, status in (("查无此人名字", 200), ("12345", 400), ("2099999999", 200)):
        r = search(httpd, "op_college_01", typed)
        assert r.status_code == status, (typed, r.status_code)
        box = r.text[r.text.index('id="desk-q"'):]
        assert f'value="{typed}"' in box[:box.index(">")], typed
    bad = resident_id("43010220010715123")[:-1] + "0"
    r = search(httpd, "op_college_01", bad)
    assert r.status_code == 400 and bad not in r.text


def test_a_class_list_shows_who_can_be_ticked_first(httpd, env):
    """Issue 22: done, pending and not applicable were mixed in number order."""
    _, nos = make_class(env, "01", 4, party_member=True)
    assert confirm(httpd, "op_college_01", "college:01", nos[0], ["party_transfer"]
                   ).status_code == 200
    html = httpd.get(f"/lx/op/batch?at=college:01&step=party_transfer&mode=class&s={nos[0]}",
                     user="op_college_01").text
    order = [m for m in re.findall(r'id="sid-(\d{10})"', html)]
    assert order == nos[1:] + nos[:1], order


def test_a_class_done_a_moment_before_says_by_whom(httpd, env):
    """Issue 22: the second of two operators submitting the same class saw 已办理 0 项。"""
    _, nos = make_class(env, "01", 3, party_member=True)
    r = batch(httpd, "op_college_01", "college:01", nos[0], "party_transfer", "class", nos[:2])
    assert r.status_code == 200 and [o[2] for o in outcomes(r)] == ["ok", "ok"]
    # the same class again, from a form rendered before (another rid): two already done
    r = batch(httpd, "op_college_01", "college:01", nos[0], "party_transfer", "class", nos,
              xml=False)
    assert r.status_code == 200, r.text[:500]
    name = env.cluster.psql("SELECT name FROM lx.operator WHERE login = 'op_college_01'")[0][0]
    assert f"已为 1 名学生办理；另有 2 名此前已由{name}办理，未重复办理。" in r.text
    assert state(env, nos[2], "party_transfer") == "done"


def test_switcher_keeps_the_student_at_the_desk(httpd):
    """Issue 22: from the college point to its certificate desk without searching again."""
    html = httpd.get(f"/lx/op?at=college:01&s={PARTY_TWO_LOANS}", user="op_college_01").text
    nav = html[html.index('<nav class="switcher"'):]
    nav = nav[:nav.index("</nav>")]
    assert f'href="/lx/op?at=college_cert:01&amp;s={PARTY_TWO_LOANS}"' in nav, nav
    html = httpd.get("/lx/op?at=college:01", user="op_college_01").text
    assert 'href="/lx/op?at=college_cert:01"' in html


def test_switcher_lists_only_own_desks(httpd):
    doc = desk_xml(httpd, "op_college_01")
    keys = [a.get("key") for a in doc.find("desk").findall("assignment")]
    assert keys == ["college:01", "college_cert:01"]
    assert doc.find("desk").get("key") == "college:01"
    assert httpd.get("/lx/op?at=college:02", user="op_college_01").status_code == 403
    assert httpd.get("/lx/op?at=library", user="op_college_01").status_code == 403
    assert desk_xml(httpd, "op_college_01", at="college_cert:01").find("desk").get("point") \
        == "college_cert"


def test_desk_page_is_html_with_search_focused(httpd):
    r = httpd.get("/lx/op", user="op_college_01")
    assert r.status_code == 200 and r.text.startswith("<!DOCTYPE html>")
    assert 'autofocus' in r.text and 'name="q"' in r.text


# ---- search -----------------------------------------------------------------------------

def search(httpd, user, text, at=None):
    fields = {"q": text}
    if at:
        fields["at"] = at
    return post(httpd, user, "/lx/op/search", fields, xml=False)


def test_search_by_student_number_goes_to_the_student(httpd):
    r = search(httpd, "op_college_01", PARTY_TWO_LOANS)
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/lx/op?at=college:01&s={PARTY_TWO_LOANS}")


def test_search_by_resident_id_keeps_it_out_of_urls(httpd, env):
    idn = env.cluster.psql(
        f"SELECT id_number FROM lx.student WHERE student_no = '{PARTY_TWO_LOANS}'")[0][0]
    for typed in (idn, idn.lower(), f" {idn} "):
        r = search(httpd, "op_college_01", typed)
        assert r.status_code == 303, typed
        assert idn not in r.headers["Location"] and idn.lower() not in r.headers["Location"]
        assert r.headers["Location"].endswith(f"s={PARTY_TWO_LOANS}")
    # the page the desk shows has it masked only
    page = httpd.get(f"/lx/op?s={PARTY_TWO_LOANS}", user="op_college_01").text
    assert idn not in page and idn[:6] + "********" + idn[-4:] in page
    access = (env.base / "log" / "access_log").read_text()
    assert idn not in access and idn.lower() not in access


def test_a_six_character_name_is_a_name_not_a_bad_id_number(httpd, env):
    """Issue 22: six Chinese characters are 18 bytes; 欧阳娜娜娜娜 was refused as a bad ID."""
    _, (s,) = make_class(env, "01", 1)
    env.cluster.psql(f"UPDATE lx.student SET name = '欧阳娜娜娜娜' WHERE student_no = '{s}'")
    r = search(httpd, "op_college_01", "欧阳娜娜娜娜")
    assert r.status_code == 303, r.text[:500]
    assert r.headers["Location"].endswith(f"s={s}")
    r = search(httpd, "op_college_01", "43010219900101123A")     # still a bad ID number
    assert r.status_code == 400 and "17 位数字" in r.text


@pytest.mark.parametrize("typed,message", [
    (resident_id("43010220010715123")[:-1] + "0", "校验位"),    # wrong check digit
    (resident_id("43010220230230123"), "出生日期"),              # 30 February
    (resident_id("43010220990101123"), "晚于今天"),              # born in the future
    ("430102010715123", "18 位"),                               # legacy 15 digits
    # full-width digits are the number they look like (test_bad_input.py)
])
def test_search_refuses_bad_numbers_clearly(httpd, typed, message):
    r = search(httpd, "op_college_01", typed)
    assert r.status_code == 400
    assert message in r.text
    assert typed not in r.text or typed.startswith("２")


def test_search_by_name_lists_matches_in_scope(httpd, env):
    surname = env.cluster.psql("""
        SELECT left(name, 1) FROM lx.student WHERE college_id = 1
         GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""")[0][0]
    r = post(httpd, "op_college_01", "/lx/op/search", {"q": surname})
    assert r.status_code == 200
    matches = ET.fromstring(r.content).find("desk/matches")
    rows = matches.findall("match")
    assert len(rows) > 1
    college = env.cluster.psql("SELECT name FROM lx.college WHERE code = '01'")[0][0]
    assert all(m.get("college") == college for m in rows)
    assert all(m.get("name").startswith(surname) for m in rows)


def test_search_outside_scope_finds_nothing(httpd):
    r = post(httpd, "op_college_01", "/lx/op/search", {"q": "2022020001"})
    assert r.status_code == 200
    assert "未找到" in ET.fromstring(r.content).find("desk/notice").get("text")
    doc = desk_xml(httpd, "op_college_01", student="2022020001")
    assert doc.find("student") is None
    assert "服务范围" in doc.find("desk/notice").get("text")


# ---- every point and step of DOMAIN.md --------------------------------------------------

def test_college_party_transfer_individually_in_three_actions(httpd, env):
    _, (s,) = make_class(env, "01", 1, party_member=True)
    # 1. type and Enter
    r = search(httpd, "op_college_01", s)
    assert r.status_code == 303
    # 2. tick, 3. submit: the desk's form as the browser sends it
    r = confirm(httpd, "op_college_01", "college:01", s, ["party_transfer"], xml=False)
    assert r.status_code == 303 and "ok=1" in r.headers["Location"]
    assert state(env, s, "party_transfer") == "done"
    page = desk_xml(httpd, "op_college_01", student=s)
    step = page.find("student/point[@code='college']/step[@code='party_transfer']")
    assert step.get("state") == "done" and step.get("by-login") == "op_college_01"


def test_college_league_transfer_by_class_only(httpd, env):
    code, nos = make_class(env, "01", 6, league_member=True)
    r = confirm(httpd, "op_college_01", "college:01", nos[0], ["league_transfer"])
    assert r.status_code == 409 and outcomes(r)[0][2] == "mode_not_allowed"
    r = httpd.get(f"/lx/op/batch?format=xml&at=college:01&step=league_transfer&mode=class"
                  f"&s={nos[0]}", user="op_college_01")
    members = ET.fromstring(r.content).findall("batch/member")
    assert sorted(m.get("student-no") for m in members) == nos
    r = batch(httpd, "op_college_01", "college:01", nos[0], "league_transfer", "class", nos[:5])
    assert r.status_code == 200, r.text
    assert [o[2] for o in outcomes(r)] == ["ok"] * 5
    assert [state(env, n, "league_transfer") for n in nos] == ["done"] * 5 + ["pending"]


def test_college_instruments_whole_scope_leaves_those_who_must_return(httpd, env):
    _, keep = make_class(env, "03", 3, must_return_instruments=True)
    _, clear = make_class(env, "03", 4)
    other_college = make_class(env, "04", 2)[1]
    # first the desk asks, with the exact number it will confirm (issue 22), and changes nothing
    ask = post(httpd, "op_college_03", "/lx/op/scope",
               {"at": "college:03", "s": clear[0], "step": "instruments", "rid": "scope-" + "a" * 20})
    assert ask.status_code == 200, ask.text
    (question,) = ET.fromstring(ask.content).iter("scope-confirm")
    count, pending = int(question.get("count")), int(question.get("pending"))
    assert count >= len(clear) and pending >= count + len(keep)
    assert all(state(env, n, "instruments") == "pending" for n in clear)
    html = post(httpd, "op_college_03", "/lx/op/scope",
                {"at": "college:03", "s": clear[0], "step": "instruments"}, xml=False).text
    assert f"确认为 {count} 名学生办理" in html and f"其中 {pending - count} 人有例外情况" in html
    # confirmed, with the same rid: exactly that many
    r = post(httpd, "op_college_03", "/lx/op/scope",
             {"at": "college:03", "s": clear[0], "step": "instruments", "confirmed": "1",
              "rid": question.get("rid")})
    assert r.status_code == 200, r.text
    assert [o[2] for o in outcomes(r)].count("ok") == count
    assert all(state(env, n, "instruments") == "done" for n in clear)
    assert all(state(env, n, "instruments") == "pending" for n in keep)
    assert all(state(env, n, "instruments") == "pending" for n in other_college)
    # after a return, individually
    r = confirm(httpd, "op_college_03", "college:03", keep[0], ["instruments"])
    assert r.status_code == 200 and state(env, keep[0], "instruments") == "done"


@pytest.mark.parametrize("step,fact", [("national_loan_10534", "10534"),
                                       ("national_loan_12649", "12649")])
def test_college_national_loans_each_campus_found_by_id(httpd, env, step, fact):
    _, (s,) = make_class(env, "05", 1)
    env.cluster.psql(f"""
        INSERT INTO lx.student_loan SELECT s.id, i.id FROM lx.student s, lx.institution i
         WHERE s.student_no = '{s}';
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY(SELECT id FROM lx.student WHERE student_no = '{s}'), 't');""")
    idn = env.cluster.psql(f"SELECT id_number FROM lx.student WHERE student_no = '{s}'")[0][0]
    r = search(httpd, "op_college_05", idn)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"s={s}")
    r = confirm(httpd, "op_college_05", "college:05", s, [step])
    assert r.status_code == 200
    other = "national_loan_12649" if fact == "10534" else "national_loan_10534"
    assert state(env, s, step) == "done" and state(env, s, other) == "pending"


def test_library_books_follow_the_feed_never_the_desk(httpd, env):
    _, (s,) = make_class(env, "01", 1)
    assert state(env, s, "library_books") == "pending"        # no record received yet
    r = confirm(httpd, "op_library", "library", s, ["library_books"])
    assert r.status_code == 409 and outcomes(r)[0][2] == "automatic"
    env.cluster.psql(f"""
        UPDATE lx.student SET library_loans = 0, library_fines = 0, library_received_at = now()
         WHERE student_no = '{s}';
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY(SELECT id FROM lx.student WHERE student_no = '{s}'),
                             'system:library');""")
    assert state(env, s, "library_books") == "done"


def test_library_deposit_is_optional(httpd, env):
    _, (s,) = make_class(env, "02", 1)
    r = confirm(httpd, "op_library", "library", s, ["library_deposit"])
    assert r.status_code == 200 and state(env, s, "library_deposit") == "done"
    stats = {st.get("code"): st for st in desk_xml(httpd, "op_library").iter("step")}
    assert stats["library_deposit"].get("optional") == "1"


def test_student_affairs_card_by_class(httpd, env):
    _, nos = make_class(env, "06", 4)
    r = batch(httpd, "op_student_affairs", "student_affairs", nos[0], "student_card", "class",
              nos)
    assert r.status_code == 200
    assert all(state(env, n, "student_card") == "done" for n in nos)


def test_source_loan_proposed_by_the_bank_then_confirmed(httpd, env):
    _, (s,) = make_class(env, "06", 1, source_loan=True)
    env.cluster.psql(f"""
        SET ROLE lx_owner;
        SELECT lx.set_proposal((SELECT id FROM lx.step WHERE code = 'source_loan'),
            ARRAY(SELECT id FROM lx.student WHERE student_no = '{s}'), true, 'system:bank');""")
    step = desk_xml(httpd, "op_student_affairs", student=s).find(
        "student/point[@code='student_affairs']/step[@code='source_loan']")
    assert step.get("state") == "pending" and step.get("proposed") == "1"
    assert "系统已勾选" in httpd.get(f"/lx/op?s={s}", user="op_student_affairs").text
    r = confirm(httpd, "op_student_affairs", "student_affairs", s, ["source_loan"])
    assert r.status_code == 200 and state(env, s, "source_loan") == "done"


@pytest.mark.parametrize("user,at,step", [("op_utilities", "utilities", "electricity"),
                                          ("op_dorm", "dorm", "dorm_items")])
def test_utilities_and_dorm_by_room_and_alone(httpd, env, user, at, step):
    _, nos = make_class(env, "07", 7)                  # rooms of 5 and 2
    _, (alone,) = make_class(env, "07", 1, dorm=False)
    r = httpd.get(f"/lx/op/batch?format=xml&at={at}&step={step}&mode=dorm&s={nos[0]}",
                  user=user)
    room = [m.get("student-no") for m in ET.fromstring(r.content).findall("batch/member")]
    assert room == nos[:5]
    r = batch(httpd, user, at, nos[0], step, "dorm", room)
    assert r.status_code == 200
    assert [state(env, n, step) for n in nos] == ["done"] * 5 + ["pending"] * 2
    # a student who does not live on campus has no room: individually
    assert httpd.get(f"/lx/op/batch?at={at}&step={step}&mode=dorm&s={alone}",
                     user=user).status_code == 404
    r = confirm(httpd, user, at, alone, [step])
    assert r.status_code == 200 and state(env, alone, step) == "done"


def test_network_switch_only_for_borrowers(httpd, env):
    _, (b,) = make_class(env, "08", 1, borrowed_switch=True)
    _, (n,) = make_class(env, "08", 1)
    assert confirm(httpd, "op_network", "network", b, ["switch_return"]).status_code == 200
    r = confirm(httpd, "op_network", "network", n, ["switch_return"])
    assert r.status_code == 409 and outcomes(r)[0][2] == "not_applicable"
    assert state(env, n, "switch_return") == "na"


def test_finance_arrears_automatic_and_refund_retired(httpd, env):
    _, (s,) = make_class(env, "09", 1)
    env.cluster.psql(f"""
        UPDATE lx.student SET arrears = 0, arrears_received_at = now() WHERE student_no = '{s}';
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY(SELECT id FROM lx.student WHERE student_no = '{s}'),
                             'system:finance');""")
    assert state(env, s, "arrears") == "done"
    r = confirm(httpd, "op_finance", "finance", s, ["refund"])
    assert r.status_code == 409 and outcomes(r)[0][2] == "not_enabled"


def test_graduate_school_steps(httpd, env):
    _, (g,) = make_class(env, "01", 1, programme="pg")
    _, (u,) = make_class(env, "01", 1)
    r = confirm(httpd, "op_graduate", "graduate_school", g, ["defence", "project"])
    assert r.status_code == 200
    assert state(env, g, "defence") == "done" and state(env, g, "project") == "done"
    # an undergraduate is outside the graduate school's programmes
    r = confirm(httpd, "op_graduate", "graduate_school", u, ["defence"])
    assert r.status_code == 403


def finish_everything_but_certificates(env, s):
    env.cluster.psql(f"""
        UPDATE lx.student SET library_loans = 0, library_fines = 0, library_received_at = now(),
               arrears = 0, arrears_received_at = now() WHERE student_no = '{s}';
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY(SELECT id FROM lx.student WHERE student_no = '{s}'), 't');""")
    for step, how in [("party_transfer", "individual"), ("league_transfer", "class"),
                      ("instruments", "individual"), ("student_card", "class"),
                      ("source_loan", "individual"), ("electricity", "individual"),
                      ("dorm_items", "individual"), ("switch_return", "individual"),
                      ("national_loan_10534", "individual"),
                      ("national_loan_12649", "individual")]:
        confirm_via_door(env, [s], step, how)


def test_certificates_refused_with_missing_steps_named_then_issued(httpd, env):
    _, nos = make_class(env, "10", 3, party_member=True)
    r = confirm(httpd, "op_cert_10", "college_cert:10", nos[0], ["certificates"])
    assert r.status_code == 409
    (_, _, outcome, names), = outcomes(r)
    assert outcome == "prereq_missing" and "党组织关系转出" in names and "图书归还" in names
    html = confirm(httpd, "op_cert_10", "college_cert:10", nos[0], ["certificates"],
                   xml=False).text
    assert "党组织关系转出" in html
    assert state(env, nos[0], "certificates") == "pending"
    for s in nos:
        finish_everything_but_certificates(env, s)
    r = batch(httpd, "op_cert_10", "college_cert:10", nos[0], "certificates", "class", nos)
    assert r.status_code == 200
    assert all(state(env, s, "certificates") == "done" for s in nos)


def test_academic_affairs_deferred_certificates(httpd, env):
    _, (s,) = make_class(env, "11", 1, certificates_deferred=True)
    r = confirm(httpd, "op_academic", "academic_affairs", s, ["deferred_certificates"])
    assert r.status_code == 409 and outcomes(r)[0][2] == "prereq_missing"
    finish_everything_but_certificates(env, s)
    r = confirm(httpd, "op_academic", "academic_affairs", s, ["deferred_certificates"])
    assert r.status_code == 200 and state(env, s, "deferred_certificates") == "done"


# ---- scope ------------------------------------------------------------------------------

def test_forged_requests_outside_scope_change_nothing(httpd, env):
    _, mine = make_class(env, "01", 2, party_member=True)
    _, theirs = make_class(env, "02", 2, party_member=True)
    before = events(env, mine + theirs)
    # another college's student, by hand
    r = confirm(httpd, "op_college_01", "college:01", theirs[0], ["party_transfer"])
    assert r.status_code == 403
    # mixed into a batch with own students: all or nothing
    r = batch(httpd, "op_college_01", "college:01", mine[0], "party_transfer", "class",
              mine + theirs[:1])
    assert r.status_code == 403
    # another point's step
    r = confirm(httpd, "op_library", "library", mine[0], ["party_transfer"])
    assert r.status_code == 403
    # a desk that is not theirs
    r = confirm(httpd, "op_college_01", "college:02", theirs[0], ["party_transfer"])
    assert r.status_code == 403
    # a student account
    r = post(httpd, "2022010001", "/lx/op/confirm",
             {"at": "college:01", "how": "individual", "s": mine[0], "step.party_transfer": "1"},
             csrf="x")
    assert r.status_code == 403
    assert events(env, mine + theirs) == before
    assert all(state(env, n, "party_transfer") == "pending" for n in mine + theirs)


def test_an_operator_never_confirms_their_own_steps(httpd, env):
    _, (s,) = make_class(env, "01", 1, party_member=True)
    # a student assistant staffing the college desk
    env.cluster.psql(f"""
        INSERT INTO lx.operator (login, name) VALUES ('{s}', '学生助理');
        INSERT INTO lx.operator_point (login, point_id, college_id)
        SELECT '{s}', p.id, c.id FROM lx.point p, lx.college c
         WHERE p.code = 'college' AND c.code = '01';""")
    env.httpd.configure()          # the password file now has the new student too
    r = confirm(httpd, s, "college:01", s, ["party_transfer"])
    assert r.status_code == 403 and outcomes(r)[0][2] == "own_record"
    assert state(env, s, "party_transfer") == "pending"


# ---- atomicity, idempotency, revoke -----------------------------------------------------

def test_a_batch_is_all_or_nothing(httpd, env):
    _, nos = make_class(env, "12", 5)
    confirm_via_door(env, nos[:1], "student_card", "class")       # one already done: fine
    env.cluster.psql(f"""
        UPDATE lx.student SET party_member = true WHERE student_no IN ('{nos[1]}', '{nos[2]}');
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY(SELECT id FROM lx.student
                                    WHERE student_no IN ('{nos[1]}', '{nos[2]}')), 't');""")
    before = events(env, nos)
    # certificates for the class: all have missing prerequisites
    r = batch(httpd, "op_cert_12", "college_cert:12", nos[0], "certificates", "class", nos)
    assert r.status_code == 409
    assert events(env, nos) == before
    # a batch where only one student is refused writes nothing for the others either
    finish_everything_but_certificates(env, nos[3])
    finish_everything_but_certificates(env, nos[4])
    before = events(env, nos)
    r = batch(httpd, "op_cert_12", "college_cert:12", nos[0], "certificates", "class",
              nos[3:] + nos[:1])
    assert r.status_code == 409
    got = {o[0]: o[2] for o in outcomes(r)}
    assert got[nos[3]] == "held" and got[nos[4]] == "held" and got[nos[0]] == "prereq_missing"
    assert events(env, nos) == before
    assert state(env, nos[3], "certificates") == "pending"
    # the refused batch page lists the reason and keeps the selection
    html = batch(httpd, "op_cert_12", "college_cert:12", nos[0], "certificates", "class",
                 nos[3:] + nos[:1], xml=False)
    assert html.status_code == 409 and "前置业务未完成" in html.text


def test_confirming_twice_and_resending_a_form_change_nothing(httpd, env):
    _, (s,) = make_class(env, "01", 1, party_member=True)
    rid = uuid.uuid4().hex
    r = confirm(httpd, "op_college_01", "college:01", s, ["party_transfer"], rid=rid)
    assert outcomes(r)[0][2] == "ok"
    n = events(env, [s])
    # the same form again (a double click, a reload)
    r = confirm(httpd, "op_college_01", "college:01", s, ["party_transfer"], rid=rid)
    assert r.status_code == 200 and outcomes(r)[0][2] == "replayed"
    # a new form for what is already done
    r = confirm(httpd, "op_college_01", "college:01", s, ["party_transfer"])
    assert r.status_code == 200 and outcomes(r)[0][2] == "unchanged"
    assert events(env, [s]) == n


def test_revoke_needs_a_reason_and_is_logged(httpd, env):
    _, (s,) = make_class(env, "01", 1, party_member=True)
    confirm(httpd, "op_college_01", "college:01", s, ["party_transfer"])
    r = revoke(httpd, "op_college_01", "college:01", s, "party_transfer", reason="  ")
    assert r.status_code == 400 and state(env, s, "party_transfer") == "done"
    r = revoke(httpd, "op_college_01", "college:01", s, "party_transfer", reason="点错了学生")
    assert r.status_code == 200 and state(env, s, "party_transfer") == "pending"
    row = env.cluster.psql(f"""
        SELECT e.kind, e.note, e.how, e.login, p.code, host(e.source_addr), e.request_id IS NOT NULL
          FROM lx.event e JOIN lx.student s ON s.id = e.student_id
          JOIN lx.point p ON p.id = e.point_id
         WHERE s.student_no = '{s}' ORDER BY e.id DESC LIMIT 1""")[0]
    assert row == ["revoke", "点错了学生", "individual", "op_college_01", "college",
                   "127.0.0.1", "t"]


def test_revoking_a_step_a_done_step_depends_on_is_refused(httpd, env):
    _, (s,) = make_class(env, "10", 1)
    finish_everything_but_certificates(env, s)
    confirm_via_door(env, [s], "certificates", "class")
    r = revoke(httpd, "op_college_10", "college:10", s, "instruments")
    assert r.status_code == 409
    (_, _, outcome, names), = outcomes(r)
    assert outcome == "dependents_done" and "领取" in names
    assert state(env, s, "instruments") == "done"


# ---- the gate of state-changing requests ------------------------------------------------

def test_csrf_and_origin_are_checked(httpd, env, logcheck):
    _, (s,) = make_class(env, "01", 1, party_member=True)
    form = {"at": "college:01", "how": "individual", "s": s, "step.party_transfer": "1"}
    good = csrf_of(httpd, "op_college_01")
    cases = {
        "missing": dict(form),
        "foreign": dict(form, csrf=csrf_of(httpd, "op_college_02")),
        "expired": dict(form, csrf=forge_token(env, "op_college_01", "desk", int(time.time()) - 5)),
        "other action": dict(form, csrf=forge_token(env, "op_college_01", "admin",
                                                    int(time.time()) + 600)),
    }
    for name, fields in cases.items():
        fields.setdefault("csrf", "")
        r = post(httpd, "op_college_01", "/lx/op/confirm", fields)
        assert r.status_code == 403, name
    # a valid token from another site's page
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "null"}):
        r = post(httpd, "op_college_01", "/lx/op/confirm", form, csrf=good, headers=headers)
        assert r.status_code == 403, headers
    # the same-origin browser passes
    r = post(httpd, "op_college_01", "/lx/op/confirm", form, csrf=good,
             headers={"Origin": httpd.url, "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200
    # a forged token computed with the right secret shows the checks are the real ones
    assert forge_token(env, "op_college_01", "desk", int(good.split(".")[0])) == good


def test_forms_are_parsed_strictly(httpd, env):
    good = csrf_of(httpd, "op_college_01")
    url = "/lx/op/confirm?format=xml"
    body = f"csrf={good}&rid={uuid.uuid4().hex}&at=college:01&how=individual&s=2022010003"
    def send(data, ctype="application/x-www-form-urlencoded", **kw):
        return httpd.request("POST", url, user="op_college_01", data=data,
                             headers={"Content-Type": ctype}, **kw)
    assert send(body + "&step.party_transfer=1&step.party_transfer=1").status_code == 400
    assert send(body + "&step.party_transfer=1", ctype="text/plain").status_code == 415
    assert send(body + "&step.party_transfer=1", ctype="multipart/form-data").status_code == 415
    assert send(body + "&x=" + "a" * 70000).status_code == 413
    assert send(body + "".join(f"&f{i}=1" for i in range(400))).status_code == 400
    assert send(body + "&note=%FF%FE").status_code == 400
    def chunks():
        yield body.encode()
        for _ in range(100):
            yield b"&y=" + b"b" * 1000
    assert httpd.request("POST", url, user="op_college_01", data=chunks(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"}
                         ).status_code == 413
    # GET never changes anything
    assert httpd.get("/lx/op/confirm?" + body + "&step.party_transfer=1",
                     user="op_college_01").status_code == 405


def test_batch_size_is_capped(httpd):
    fields = {"at": "college:01", "how": "class", "s": "2022010003",
              "step.league_transfer": "1"}
    fields.update({f"sid.{2022019000 + i}": "1" for i in range(201)})
    r = post(httpd, "op_college_01", "/lx/op/confirm", fields)
    assert r.status_code == 400 and "200" in r.text


# ---- set-based ------------------------------------------------------------------------

def test_a_batch_of_40_costs_the_statements_of_a_batch_of_1(httpd, env):
    _, one = make_class(env, "02", 1)
    _, forty = make_class(env, "02", 40)
    csrf = csrf_of(httpd, "op_student_affairs")
    counts = []
    for nos in (one, forty):
        env.cluster.psql("SELECT pg_stat_statements_reset()")
        r = batch(httpd, "op_student_affairs", "student_affairs", nos[0], "student_card",
                  "class", nos, csrf=csrf)
        assert r.status_code == 200 and len(outcomes(r)) == len(nos)
        counts.append(lx_app_statements(env))
    assert counts[0] == counts[1] and counts[0] <= 6, counts
    assert all(state(env, n, "student_card") == "done" for n in forty)
