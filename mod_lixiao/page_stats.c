/*
 * page_stats.c: live statistics, /lx/stats, from the counters of sql/functions/stats.sql.
 *
 *   GET /lx/stats[?cohort=ID[&college=CODE[&class=CODE]]]   the dashboard and its drill-down
 *   ...&format=csv|xlsx&table=cohort|college|step|day|class|pending   each table for Excel
 *
 * Leaders and administrators see the whole installation; an operator sees the statistics of
 * their own desks (the same figures as the desk's statistics area).
 */
#include "lx_handlers.h"
#include "core/lx_query.h"

/* An operator: one <desk> with its statistics per desk of theirs. */
static int lx_stats_operator(lx_req *q, xmlNodePtr stats)
{
    const char *params[1] = {q->r->user};
    PGresult *res = lx_db_query(q->db, "SELECT * FROM lx.desk_assignments($1)", 1, params);
    int i, rc;

    if (!res)
        return q->db->status;
    if (PQntuples(res) == 0) {
        q->message = "统计页面仅限校领导、管理员和离校点操作人员使用。";
        return HTTP_FORBIDDEN;
    }
    for (i = 0; i < PQntuples(res); i++) {
        lx_desk d = {res, i, lx_value(res, i, "key"), lx_value(res, i, "point_id"),
                     lx_value(res, i, "point_code"), lx_value(res, i, "point_name"),
                     lx_value(res, i, "college_id"), lx_value(res, i, "college_name")};
        xmlNodePtr desk = xmlNewChild(stats, NULL, (const xmlChar *)"desk", NULL);
        lx_attr(desk, "key", d.key);
        lx_attr(desk, "point-name", d.point_name);
        lx_attr(desk, "college-name", d.college_name);
        rc = lx_desk_stats_xml(q, desk, &d);
        if (rc != OK)
            return rc;
    }
    return OK;
}

typedef struct lx_table {
    const char *name;           /* table=... and the element of each row */
    const char *title;          /* the export's file name in Chinese */
    const char *sql;            /* $1 cohort, $2 college, $3 class */
    int needs;                  /* 0: none, 1: cohort, 2: cohort+college, 3: class */
} lx_table;

static const lx_table lx_tables[] = {
    {"cohort", "离校统计-各届离校率", "SELECT * FROM lx.stats_cohorts()", 0},
    {"college", "离校统计-各学院离校率", "SELECT * FROM lx.stats_colleges(%s)", 1},
    {"step", "离校统计-各业务办理情况", "SELECT * FROM lx.stats_steps(%s, %s)", 1},
    {"day", "离校统计-每日离校进度", "SELECT * FROM lx.stats_days(%s)", 1},
    {"class", "离校统计-各班级离校率", "SELECT * FROM lx.stats_classes(%s, %s)", 2},
    {"pending", "离校统计-班级未办学生", "SELECT * FROM lx.stats_pending(%s)", 3},
    {NULL, NULL, NULL, 0}
};

static const char *lx_table_sql(lx_req *q, const lx_table *t, const char *cohort,
                                const char *college, const char *cls)
{
    apr_pool_t *p = q->r->pool;
    if (strcmp(t->name, "college") == 0 || strcmp(t->name, "day") == 0)
        return apr_psprintf(p, t->sql, lx_db_literal(q->db, cohort));
    if (strcmp(t->name, "step") == 0 || strcmp(t->name, "class") == 0)
        return apr_psprintf(p, t->sql, lx_db_literal(q->db, cohort),
                            lx_db_literal(q->db, college));
    if (strcmp(t->name, "pending") == 0)
        return apr_psprintf(p, t->sql, lx_db_literal(q->db, cls));
    return t->sql;
}

static int lx_table_wanted(const lx_table *t, const char *cohort, const char *college,
                           const char *cls)
{
    return t->needs == 0 || (t->needs == 1 && cohort) || (t->needs == 2 && cohort && college)
           || (t->needs == 3 && cls);
}

int lx_page_stats(lx_req *q)
{
    request_rec *r = q->r;
    const char *cohort = lx_arg(q, "cohort"), *college = lx_arg(q, "college");
    const char *cls = lx_arg(q, "class"), *format = lx_arg(q, "format");
    const lx_table *t;
    xmlNodePtr page, stats;
    PGresult *res;
    int rc;

    if ((cohort && strspn(cohort, "0123456789") != strlen(cohort)) || (cohort && strlen(cohort) > 9)
        || (college && !lx_code_valid(college)) || (cls && !lx_code_valid(cls)))
        return HTTP_BAD_REQUEST;
    if (!q->account->is_admin && !q->account->is_leader) {
        if (q->account->is_student || (format && (strcmp(format, "csv") == 0
                                                  || strcmp(format, "xlsx") == 0))) {
            q->message = "全校统计仅限校领导和管理员；操作人员请在操作台导出本离校点的名单。";
            return HTTP_FORBIDDEN;
        }
        page = lx_page_new(q, "stats");
        stats = xmlNewChild(page, NULL, (const xmlChar *)"stats", NULL);
        lx_attr(stats, "scope", "operator");
        rc = lx_stats_operator(q, stats);
        return rc == OK ? lx_render(q, page) : rc;
    }

    if (format && (strcmp(format, "csv") == 0 || strcmp(format, "xlsx") == 0)) {
        const char *name = lx_arg(q, "table");
        for (t = lx_tables; t->name && (!name || strcmp(t->name, name) != 0); t++)
            ;
        if (!t->name || !lx_table_wanted(t, cohort, college, cls))
            return HTTP_BAD_REQUEST;
        lx_export_name n = {apr_pstrcat(r->pool, "stats-", t->name, NULL), t->title};
        const char *enc = lx_arg(q, "enc");
        if (enc && strcmp(enc, "utf-8") && strcmp(enc, "gb18030"))
            return HTTP_BAD_REQUEST;
        return lx_export_send(q, lx_table_sql(q, t, cohort, college, cls), &n, format, enc);
    }

    page = lx_page_new(q, "stats");
    stats = xmlNewChild(page, NULL, (const xmlChar *)"stats", NULL);
    lx_attr(stats, "scope", "all");
    res = lx_db_query(q->db, "SELECT * FROM lx.stats_cohorts()", 0, NULL);
    if (!res)
        return q->db->status;
    /* the first open cohort unless one is asked for */
    if (!cohort && PQntuples(res) > 0)
        cohort = lx_value(res, 0, "id");
    lx_attr(stats, "cohort", cohort);
    lx_attr(stats, "college", college);
    lx_attr(stats, "class", cls);
    for (t = lx_tables; t->name; t++) {
        if (!lx_table_wanted(t, cohort, college, cls))
            continue;
        res = lx_db_query(q->db, lx_table_sql(q, t, cohort, college, cls), 0, NULL);
        if (!res)
            return q->db->status;
        lx_rows_xml(stats, t->name, res);
    }
    return lx_render(q, page);
}
