"""The one door for state changes (lx.change, lx.sync_steps) and the module role's rights."""
import subprocess

import pytest

S1 = "2022010003"      # party member with national loans at both campuses, certificates pending


def sid(env, no):
    return env.cluster.psql(f"SELECT id FROM lx.student WHERE student_no = '{no}'")[0][0]


def change(env, action, step, students, how="individual", login="admin", note=None):
    if note is None and action == "revoke":
        note = "wrong click"
    note_sql = "NULL" if note is None else f"'{note}'"
    ids = ",".join(str(s) for s in students)
    return env.cluster.psql(f"""
        SET ROLE lx_owner;
        SELECT student_id, outcome, coalesce(detail, '') FROM lx.change('{action}',
            (SELECT id FROM lx.step WHERE code = '{step}'), ARRAY[{ids}]::int[], '{how}',
            '{login}', {note_sql}, '127.0.0.1', NULL);""")


def state(env, no, step):
    return env.cluster.psql(f"""
        SELECT ss.state FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
          JOIN lx.student s ON s.id = ss.student_id
         WHERE s.student_no = '{no}' AND st.code = '{step}'""")[0][0]


def events(env, no):
    return int(env.cluster.psql(f"""
        SELECT count(*) FROM lx.event e JOIN lx.student s ON s.id = e.student_id
         WHERE s.student_no = '{no}'""")[0][0])


def test_certificates_wait_for_every_gate(env):
    s = sid(env, S1)
    out = change(env, "confirm", "certificates", [s], how="class")
    assert out[0][1] == "prereq_missing"
    assert "party_transfer" in out[0][2].split()
    assert state(env, S1, "certificates") == "pending"


def test_confirm_is_idempotent_and_logged(env, httpd):
    s = sid(env, S1)
    before = events(env, S1)
    assert change(env, "confirm", "party_transfer", [s])[0][1] == "ok"
    assert change(env, "confirm", "party_transfer", [s])[0][1] == "unchanged"
    assert events(env, S1) == before + 1
    assert state(env, S1, "party_transfer") == "done"
    doc = httpd.get("/lx/?format=xml", user=S1).text
    assert 'code="party_transfer"' in doc
    # revoke brings it back, also logged
    assert change(env, "revoke", "party_transfer", [s])[0][1] == "ok"
    assert state(env, S1, "party_transfer") == "pending"
    assert events(env, S1) == before + 2


def test_rules_refuse_without_writing(env):
    s = sid(env, S1)
    before = events(env, S1)
    # league transfer is confirmed by class only; the switch step does not apply to S1;
    # the library step follows the library's data; an operator of another college is refused
    assert change(env, "confirm", "league_transfer", [s])[0][1] in ("mode_not_allowed",
                                                                   "not_applicable")
    assert change(env, "confirm", "switch_return", [s])[0][1] == "not_applicable"
    assert change(env, "confirm", "library_books", [s])[0][1] == "automatic"
    assert change(env, "confirm", "party_transfer", [s], login="op_college_02")[0][1] == "forbidden"
    assert change(env, "confirm", "party_transfer", [999999999])[0][1] == "unknown_student"
    assert events(env, S1) == before


def test_revoking_a_gate_under_issued_certificates_is_refused(env):
    s = sid(env, "2022010001")
    out = change(env, "revoke", "student_card", [s], how="class")
    assert out[0][1] == "dependents_done" and "certificates" in out[0][2]
    assert state(env, "2022010001", "student_card") == "done"


def test_sync_marks_rule_changes_and_feeds(env):
    s = sid(env, "2022020001")
    env.cluster.psql(f"""
        UPDATE lx.student SET borrowed_switch = true,
               library_loans = 0, library_fines = 0, library_received_at = now()
         WHERE id = {s};
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY[{s}], 'system:test');""")
    assert state(env, "2022020001", "switch_return") == "pending"
    assert state(env, "2022020001", "library_books") == "done"
    env.cluster.psql(f"""
        UPDATE lx.student SET borrowed_switch = false, library_loans = 2 WHERE id = {s};
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY[{s}], 'system:test');""")
    assert state(env, "2022020001", "switch_return") == "na"
    assert state(env, "2022020001", "library_books") == "pending"
    kinds = env.cluster.psql(f"""
        SELECT kind FROM lx.event WHERE student_id = {s} AND login = 'system:test'
         ORDER BY id""")
    assert ["applicability"] in kinds and ["feed"] in kinds


def test_module_role_writes_states_only_through_the_door(env):
    # the event log's rights: test_eventlog.py
    for sql in ("UPDATE lx.step_state SET state = 'done'",
                "INSERT INTO lx.override (student_id, step_id, by_login) VALUES (1, 1, 'x')"):
        r = env.cluster.app_psql(sql, check=False)
        assert r.returncode != 0 and "permission denied" in r.stderr, sql


def test_resident_ids_are_validated_by_the_database(env):
    s = sid(env, "2022020001")
    # the check digit is wrong: the trigger refuses it as a check violation (SQLSTATE 23514),
    # which the module maps to 409; any other failure of psql must not pass for it
    with pytest.raises(subprocess.CalledProcessError) as refused:
        env.cluster.psql("\\set VERBOSITY verbose\n"
                         f"UPDATE lx.student SET id_number = '110105194912310021' WHERE id = {s}")
    assert "ERROR:  23514: invalid identity document number" in refused.value.stderr
