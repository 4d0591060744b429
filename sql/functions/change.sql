-- change.sql: the door (DOMAIN.md "One door for every change").  lx.change() is how people
-- (desk, batches) confirm and revoke; lx.scope_batch() confirms a whole scope; lx.sync_steps()
-- creates and re-evaluates the states after base data or feeder figures change;
-- lx.set_proposal() records a feeder's proposal.  Each checks the rules and writes the state
-- and the event in the caller's transaction, as the schema owner (SECURITY DEFINER): the
-- module's role may not write lx.step_state itself.
--
-- Custom SQLSTATEs raised here (mapped to HTTP statuses by the module, lx_db.c):
--   LX400 bad request   LX403 forbidden   LX404 unknown step or student   LX409 conflict

-- A whole-scope batch ('scope' mode): confirm p_step for every student of the operator's scope
-- (p_college for a college-scoped point, else the point's programmes) for whom it is pending,
-- leaving out those with a fact of the step's batch_unless (instruments to return).  Returns
-- the outcomes of lx.change; students that cannot be confirmed yet are simply not included.
-- The students a whole-scope batch of the step would confirm for this operator (at the college,
-- for a college point): pending, in an open cohort, covered by the operator, without any fact
-- of the step's batch_unless, and with the prerequisites done.  The desk shows their number
-- before it asks for the batch (action_change.c), and lx.scope_batch confirms them.
CREATE OR REPLACE FUNCTION lx.scope_batch_ids(p_step_id integer, p_college integer,
                                              p_login text)
RETURNS integer[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = lx, pg_temp AS $$
    SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}')
      FROM lx.step st
      JOIN lx.step_state ss ON ss.step_id = st.id AND ss.state = 'pending'
      JOIN lx.student s ON s.id = ss.student_id
      JOIN lx.cohort c ON c.id = s.cohort_id AND NOT c.closed
     WHERE st.id = p_step_id
       AND (p_college IS NULL OR s.college_id = p_college)
       AND s.student_no <> p_login
       AND lx.operator_covers(p_login, st.point_id, s.college_id, c.programme)
       AND NOT (st.batch_unless && lx.student_facts(s.id))
       AND lx.missing_prereqs(s.id, p_step_id) IS NULL
$$;

CREATE OR REPLACE FUNCTION lx.scope_batch(p_step_id integer, p_college integer, p_login text,
                               p_note text DEFAULT NULL, p_addr inet DEFAULT NULL,
                               p_request_id text DEFAULT NULL)
RETURNS TABLE (student_id integer, outcome text, detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    st lx.step;
    ids integer[];
BEGIN
    SELECT * INTO st FROM lx.step WHERE id = p_step_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown step %', p_step_id USING ERRCODE = 'LX404';
    END IF;
    IF NOT ('scope' = ANY (st.modes)) THEN
        RAISE EXCEPTION 'step % takes no whole-scope batch', st.code USING ERRCODE = 'LX400';
    END IF;
    ids := lx.scope_batch_ids(p_step_id, p_college, p_login);
    RETURN QUERY SELECT * FROM lx.change('confirm', p_step_id, ids, 'scope',
                                         p_login, p_note, p_addr, p_request_id, true);
END;
$$;

-- Create the missing states of the given students for the steps enabled in their cohort, and
-- re-evaluate what base data and feeder figures decide: applicability (na or not) and the
-- automatic steps.  Called after an import, a feed, or a change of the cohort's steps.  Changes
-- to existing states are logged ('applicability', 'feed'); a student's first states are not.
-- Returns the number of states created or changed.
CREATE OR REPLACE FUNCTION lx.sync_steps(p_students integer[], p_login text, p_addr inet DEFAULT NULL,
                              p_request_id text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    n_new integer;
    n_changed integer;
BEGIN
    PERFORM 1 FROM lx.student s WHERE s.id = ANY (p_students) ORDER BY s.id
        FOR NO KEY UPDATE;

    -- what every state should be, from rules and feeder figures
    CREATE TEMP TABLE IF NOT EXISTS lx_sync_target (
        student_id integer, step_id integer, cohort_id integer, state text, how text,
        PRIMARY KEY (student_id, step_id)
    ) ON COMMIT DROP;
    TRUNCATE lx_sync_target;
    -- the facts once per student, then every enabled step of the cohort
    WITH s AS MATERIALIZED (
        SELECT s.*, lx.student_facts(s.id) AS facts
          FROM lx.student s
          JOIN lx.cohort c ON c.id = s.cohort_id AND NOT c.closed
         WHERE s.id = ANY (p_students)
    )
    INSERT INTO lx_sync_target
    SELECT s.id, st.id, s.cohort_id,
           CASE WHEN NOT lx.step_applies(st.applies_when, st.applies_unless, s.facts)
                    THEN 'na'
                WHEN st.automatic IS NULL THEN NULL          -- people decide: keep as it is
                WHEN lx.feed_says_done(st.automatic, s.library_loans, s.library_fines,
                                       s.library_received_at, s.arrears,
                                       s.arrears_received_at) THEN 'done'
                ELSE 'pending' END,
           CASE WHEN NOT lx.step_applies(st.applies_when, st.applies_unless, s.facts)
                    THEN 'rule' ELSE 'feed' END
      FROM s
      JOIN lx.cohort_step cs ON cs.cohort_id = s.cohort_id
      JOIN lx.step st ON st.id = cs.step_id;
    -- a large sync (an import) joins it to lx.step_state below: give the planner its size
    IF cardinality(p_students) > 1000 THEN
        ANALYZE lx_sync_target;
    END IF;

    INSERT INTO lx.step_state AS t (student_id, step_id, cohort_id, state, how, by_login, at)
    SELECT x.student_id, x.step_id, x.cohort_id, coalesce(x.state, 'pending'),
           CASE WHEN x.state = 'done' THEN x.how END,
           CASE WHEN x.state = 'done' THEN p_login END,
           CASE WHEN x.state = 'done' THEN now() END
      FROM lx_sync_target x
     -- the students are locked above: nobody else inserts their states meanwhile, and a plain
     -- insert of what is missing is much cheaper than ON CONFLICT for a whole new roster
     WHERE NOT EXISTS (SELECT 1 FROM lx.step_state t
                        WHERE t.student_id = x.student_id AND t.step_id = x.step_id);
    GET DIAGNOSTICS n_new = ROW_COUNT;

    -- Existing states whose rule or feed now says otherwise.  A step that no longer applies
    -- becomes na; one that applies again starts pending; an automatic one follows its feed.
    WITH want AS (
        SELECT x.student_id, x.step_id, t.state AS old_state,
               CASE -- a new debt after the certificates were issued does not undo them
                    WHEN x.state = 'pending' AND t.state = 'done' AND x.how = 'feed'
                         AND lx.done_dependents(x.student_id, x.step_id) IS NOT NULL
                         THEN 'done'
                    WHEN x.state IS NOT NULL THEN x.state
                    WHEN t.state = 'na' THEN 'pending'
                    ELSE t.state END AS new_state,
               x.how
          FROM lx_sync_target x
          JOIN lx.step_state t ON t.student_id = x.student_id AND t.step_id = x.step_id
    ), upd AS (
        UPDATE lx.step_state t
           SET state = w.new_state,
               how = CASE WHEN w.new_state = 'pending' THEN NULL ELSE w.how END,
               by_login = CASE WHEN w.new_state = 'pending' THEN NULL ELSE p_login END,
               at = CASE WHEN w.new_state = 'pending' THEN NULL ELSE now() END,
               note = NULL, proposed = false, proposed_at = NULL
          FROM want w
         WHERE t.student_id = w.student_id AND t.step_id = w.step_id
           AND w.new_state <> w.old_state
        RETURNING t.student_id, t.step_id, w.old_state, w.new_state, w.how
    ), ev AS (
        INSERT INTO lx.event (kind, login, student_id, point_id, step_id, how, old_state,
                              new_state, source_addr, request_id)
        SELECT CASE WHEN u.how = 'rule' OR u.old_state = 'na' THEN 'applicability'
                    ELSE 'feed' END,
               p_login, u.student_id, (SELECT point_id FROM lx.step WHERE id = u.step_id),
               u.step_id, u.how, u.old_state, u.new_state, p_addr, p_request_id
          FROM upd u
        RETURNING 1
    )
    SELECT count(*) INTO n_changed FROM ev;

    TRUNCATE lx_sync_target;
    RETURN n_new + n_changed;
END;
$$;

-- A feeder's proposal (bank data for the source-area loan): the pending step is shown pre-ticked
-- until a person confirms it at the desk.  p_on false withdraws the proposal.
CREATE OR REPLACE FUNCTION lx.set_proposal(p_step_id integer, p_students integer[], p_on boolean,
                                p_login text, p_addr inet DEFAULT NULL,
                                p_request_id text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM lx.step WHERE id = p_step_id AND proposable) THEN
        RAISE EXCEPTION 'step % takes no proposals', p_step_id USING ERRCODE = 'LX400';
    END IF;
    PERFORM 1 FROM lx.student s WHERE s.id = ANY (p_students) ORDER BY s.id
        FOR NO KEY UPDATE;
    WITH upd AS (
        UPDATE lx.step_state t
           SET proposed = p_on, proposed_at = CASE WHEN p_on THEN now() END
          FROM lx.student s
          JOIN lx.cohort c ON c.id = s.cohort_id AND NOT c.closed
         WHERE s.id = t.student_id AND t.student_id = ANY (p_students)
           AND t.step_id = p_step_id AND t.state = 'pending' AND t.proposed <> p_on
        RETURNING t.student_id
    ), ev AS (
        INSERT INTO lx.event (kind, login, student_id, point_id, step_id, how, old_state,
                              new_state, source_addr, request_id)
        SELECT CASE WHEN p_on THEN 'propose' ELSE 'unpropose' END, p_login, u.student_id,
               (SELECT point_id FROM lx.step WHERE id = p_step_id), p_step_id, 'feed',
               'pending', 'pending', p_addr, p_request_id
          FROM upd u
        RETURNING 1
    )
    SELECT count(*) INTO n FROM ev;
    RETURN n;
END;
$$;

-- lx.change (002) ran lx.operator_covers and lx.missing_prereqs once per student: 40 calls of
-- each for a class.  The same rules, now once per college and programme and, for the
-- prerequisites, the set-based rules of rules.sql over all the students; the outcomes are
-- those of 002.  Its statements, and those of the counters
-- and of lx.desk_door, keep one generic plan per connection: PL/pgSQL's default planned the
-- large statement anew on every call (custom plans looked cheaper), half of a single confirm.
CREATE OR REPLACE FUNCTION lx.change(p_action text, p_step_id integer, p_students integer[], p_how text,
                          p_login text, p_note text DEFAULT NULL, p_addr inet DEFAULT NULL,
                          p_request_id text DEFAULT NULL, p_atomic boolean DEFAULT false)
RETURNS TABLE (student_id integer, outcome text, detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = lx, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    st lx.step;
BEGIN
    IF p_action NOT IN ('confirm', 'revoke') THEN
        RAISE EXCEPTION 'unknown action %', p_action USING ERRCODE = 'LX400';
    END IF;
    IF p_how NOT IN ('individual', 'class', 'dorm', 'scope') THEN
        RAISE EXCEPTION 'unknown confirmation mode %', p_how USING ERRCODE = 'LX400';
    END IF;
    IF p_note IS NOT NULL AND length(p_note) > 500 THEN
        RAISE EXCEPTION 'note longer than 500 characters' USING ERRCODE = 'LX400';
    END IF;
    IF p_action = 'revoke' AND coalesce(btrim(p_note), '') = '' THEN
        RAISE EXCEPTION 'a revoke needs a reason' USING ERRCODE = 'LX400';
    END IF;
    SELECT * INTO st FROM lx.step WHERE id = p_step_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown step %', p_step_id USING ERRCODE = 'LX404';
    END IF;

    -- a form carried out before is not carried out again
    IF p_request_id IS NOT NULL THEN
        INSERT INTO lx.submission (request_id, login) VALUES (p_request_id, p_login)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            RETURN QUERY SELECT DISTINCT sid, 'replayed'::text, NULL::text
                           FROM unnest(p_students) AS sid ORDER BY 1;
            RETURN;
        END IF;
    END IF;

    -- Serialise every change of these students (in one order, so batches never deadlock);
    -- from here on this transaction sees their latest committed state.
    PERFORM 1 FROM lx.student s WHERE s.id = ANY (p_students) ORDER BY s.id
        FOR NO KEY UPDATE;

    RETURN QUERY
    WITH req AS (
        SELECT DISTINCT sid FROM unnest(p_students) AS sid
    ), covers AS (
        -- the operator's scope, once per college and programme instead of once per student
        SELECT k.college_id, k.programme,
               lx.operator_covers(p_login, st.point_id, k.college_id, k.programme) AS ok
          FROM (SELECT DISTINCT s.college_id, c.programme
                  FROM lx.student s JOIN lx.cohort c ON c.id = s.cohort_id
                 WHERE s.id = ANY (p_students)) k
    ), blockers AS (
        -- the rules (rules.sql) for all the students at once, inlined: one scan of their states
        SELECT b.student_id, b.missing
          FROM lx.blocking_prereqs(p_students, p_step_id) b
         WHERE p_action = 'confirm'
        UNION ALL
        SELECT d.student_id, d.dependents
          FROM lx.blocking_dependents(p_students, p_step_id) d
         WHERE p_action = 'revoke'
    ), judged AS (
        SELECT r.sid,
               CASE
                   WHEN s.id IS NULL THEN 'unknown_student'
                   WHEN c.closed THEN 'cohort_closed'
                   WHEN NOT cv.ok THEN 'forbidden'
                   WHEN s.student_no = p_login THEN 'own_record'
                   WHEN ss.state IS NULL THEN 'not_enabled'
                   WHEN ss.state = 'na' THEN 'not_applicable'
                   WHEN st.automatic IS NOT NULL THEN 'automatic'
                   -- modes restrict confirming; a wrong click is undone however it was made
                   WHEN p_action = 'confirm' AND NOT (p_how = ANY (st.modes))
                       THEN 'mode_not_allowed'
                   WHEN p_action = 'confirm' AND ss.state = 'done' THEN 'unchanged'
                   WHEN p_action = 'revoke' AND ss.state = 'pending' THEN 'unchanged'
                   WHEN p_action = 'confirm' AND m.missing IS NOT NULL THEN 'prereq_missing'
                   WHEN p_action = 'revoke' AND m.missing IS NOT NULL THEN 'dependents_done'
                   ELSE 'ok'
               END AS outcome,
               m.missing,
               ss.state AS old_state
          FROM req r
          LEFT JOIN lx.student s ON s.id = r.sid
          LEFT JOIN lx.cohort c ON c.id = s.cohort_id
          LEFT JOIN lx.step_state ss ON ss.student_id = r.sid AND ss.step_id = p_step_id
          LEFT JOIN covers cv ON cv.college_id = s.college_id AND cv.programme = c.programme
          LEFT JOIN blockers b ON b.student_id = r.sid
          CROSS JOIN LATERAL (
              SELECT CASE WHEN ss.state IS NULL OR ss.state = 'na' THEN NULL
                          ELSE b.missing END AS missing) m
    ), verdict AS (
        SELECT p_atomic AND EXISTS (SELECT 1 FROM judged
                                     WHERE judged.outcome NOT IN ('ok', 'unchanged')) AS held
    ), upd AS (
        UPDATE lx.step_state t
           SET state = CASE p_action WHEN 'confirm' THEN 'done' ELSE 'pending' END,
               -- a revoked step is pending again: who revoked it and why is in the event log
               how = CASE p_action WHEN 'confirm' THEN p_how END,
               by_login = CASE p_action WHEN 'confirm' THEN p_login END,
               at = CASE p_action WHEN 'confirm' THEN now() END,
               note = CASE p_action WHEN 'confirm' THEN p_note END,
               proposed = false, proposed_at = NULL
          FROM judged j, verdict v
         WHERE j.outcome = 'ok' AND NOT v.held
           AND t.student_id = j.sid AND t.step_id = p_step_id
        RETURNING t.student_id, j.old_state, t.state
    ), ev AS (
        INSERT INTO lx.event (kind, login, student_id, point_id, step_id, how, old_state,
                              new_state, note, source_addr, request_id)
        SELECT p_action, p_login, u.student_id, st.point_id, p_step_id, p_how, u.old_state,
               u.state, p_note, p_addr, p_request_id
          FROM upd u
    )
    SELECT j.sid,
           CASE WHEN v.held AND j.outcome = 'ok' THEN 'held' ELSE j.outcome END,
           CASE WHEN j.outcome IN ('prereq_missing', 'dependents_done') THEN j.missing END
      FROM judged j, verdict v
     ORDER BY j.sid;
END;
$$;
