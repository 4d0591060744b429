-- 016_api_rows: the portal's status API reads rows and the module writes the JSON.
--
-- lx.api_status (009) built the document in PostgreSQL: five passes over a CTE, a
-- json_build_object per step and to_char per timestamp cost 270 µs of database time a request,
-- more than the rest of the request together.  The same facts as plain rows (the student's
-- columns repeated on each step row: a few hundred bytes) cost a third of that; page_api.c
-- writes the same document from them.

CREATE VIEW lx.api_status_rows AS
SELECT s.student_no, s.name, co.name AS college, cl.name AS class, ch.name AS cohort,
       pr.name AS programme, ch.closed AS cohort_closed,
       st.code AS step, st.name AS step_name, st.optional, p.code AS point,
       p.name AS point_name,
       CASE WHEN p.scope = 'college'
            THEN CASE WHEN p.cert_desk THEN co.cert_office ELSE co.office END
            ELSE p.location END AS location,
       ss.state, extract(epoch FROM ss.at)::bigint AS at_epoch,
       p.sort AS point_sort, st.sort AS step_sort, st.id AS step_id
  FROM lx.student s
  JOIN lx.college co ON co.id = s.college_id
  JOIN lx.class cl ON cl.id = s.class_id
  JOIN lx.cohort ch ON ch.id = s.cohort_id
  JOIN lx.programme pr ON pr.code = ch.programme
  LEFT JOIN (lx.step_state ss
             JOIN lx.step st ON st.id = ss.step_id
             JOIN lx.point p ON p.id = st.point_id)
         ON ss.student_id = s.id AND ss.state <> 'na';

DROP FUNCTION lx.api_status(text);
DROP FUNCTION lx.token_purpose(text);
