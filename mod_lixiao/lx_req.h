/*
 * lx_req.h: one request's context and the builders that pages and actions share.  A builder
 * adds part of a page (a sheet, a batch list, the desk) or does a step of every request (the
 * page frame, the account, a form's body); it never renders another screen.  Listed from the
 * bottom: a builder calls only those above it in this file.
 */
#ifndef LX_REQ_H
#define LX_REQ_H

#include "lx_db.h"
#include "lx_xml.h"

/* ---- lx_account.c: who the authenticated user is ---- */
typedef struct lx_assignment {
    const char *point, *point_name, *college, *college_name;
    int deferral;
} lx_assignment;

typedef struct lx_account {
    const char *login;
    int is_student, is_operator, is_admin, is_leader;
    const char *name;
    const char *sheet_version;  /* a student's: changes with anything on their sheet */
    apr_array_header_t *assignments;    /* of lx_assignment */
} lx_account;

/* OK with *out, HTTP_FORBIDDEN when r->user has no account, or the database's status. */
int lx_account_load(request_rec *r, lx_db *db, lx_account **out);
void lx_account_xml(xmlNodePtr page, const lx_account *acc);

/* ---- the request ---- */
typedef struct lx_req {
    request_rec *r;
    const lx_server_conf *conf;
    lx_db *db;
    lx_account *account;
    const char *path;           /* the URI below the base, "/" at least */
    int want_xml;               /* ?format=xml */
    const char *message;        /* a specific message for the error page, in Chinese */
    apr_hash_t *step_names;     /* code -> name, read when first needed */
    const char *sheet_version;  /* of the sheet lx_sheet_xml read */
    PGresult *own_sheet;        /* the student's own sheet, read with the account (lx_route) */
    /* A POST's body, read and checked before the database was opened (lx_post.c): */
    const char *post_action;    /* the kind of form its CSRF token was checked for */
    apr_table_t *post_form;     /* a form's fields */
    apr_hash_t *post_parts;     /* an upload's parts (lx_part *) */
} lx_req;

/* ---- lx_page.c: the page's frame, the way out, error pages ---- */
const char *lx_arg(lx_req *q, const char *name);    /* a query argument, NULL when empty */
long lx_today(lx_req *q);                            /* YYYYMMDD in LixiaoTimeZone */
void lx_security_headers(request_rec *r, int personal);
xmlNodePtr lx_page_new(lx_req *q, const char *view);
int lx_render(lx_req *q, xmlNodePtr page);
/* A student's own page by the node's page cache: the kept one under key (OK, sent), or
 * DECLINED; page rendered, kept under key and sent. */
int lx_render_kept(lx_req *q, const char *key);
int lx_render_keep(lx_req *q, xmlNodePtr page, const char *key);
int lx_error_page(lx_req *q, int status, const char *title, const char *message);

/* ---- lx_post.c: the gate of state-changing requests ---- */
int lx_post_start(lx_req *q);
int lx_post_csrf(lx_req *q, const char *token, const char *action);
int lx_post_form(lx_req *q, const char *action, apr_table_t **out);
int lx_post_upload(lx_req *q, const char *action, apr_hash_t **parts);
int lx_read_body(lx_req *q, apr_size_t max, char **body, apr_size_t *len);
const char *lx_csrf_token(lx_req *q, const char *action);
const char *lx_form_id(lx_req *q);

/* ---- lx_export.c: an export's file from one query; format "csv" (enc utf-8 | gb18030) or
 * "xlsx".  OK, or an error status before anything was sent. ---- */
typedef struct {
    const char *ascii;      /* the file's name for old clients: lixiao-<ascii>.csv */
    const char *title;      /* its name in Chinese (UTF-8), filename*= */
} lx_export_name;
int lx_export_send(lx_req *q, const char *sql, const lx_export_name *name,
                   const char *format, const char *enc);

/* ---- lx_sheet.c: a student's clearance sheet ---- */
/* For GET / of a student without If-None-Match: the account and the sheet in one statement
 * (q->account, q->own_sheet); DECLINED for anyone else. */
int lx_sheet_with_account(lx_req *q);
/* Append the <student> sheet of student_no: OK, HTTP_NOT_FOUND, or the database's status.
 * The caller has decided that the viewer may see it. */
int lx_sheet_xml(lx_req *q, xmlNodePtr page, const char *student_no);
/* The student page of student_no, whoever asks (the one path that builds it): who may see
 * it, the own page's ETag and 304, the sheet (q->own_sheet when read already), the page. */
int lx_sheet_page(lx_req *q, const char *student_no);
/* <requires code name/> for each step code in the space-separated list missing; names: their
 * names in the same order separated by U+001F, or NULL to look them up. */
void lx_requires_xml(lx_req *q, xmlNodePtr parent, const char *missing, const char *names);

/* ---- lx_desk.c: the operator desk's context ---- */
typedef struct lx_desk {
    PGresult *rows;             /* lx.desk_assignments: every desk of the operator */
    int current;
    const char *key, *point_id, *point_code, *point_name, *college_id, *college_name;
} lx_desk;

int lx_desk_open(lx_req *q, const char *key, lx_desk **out);
const char *lx_desk_url(lx_req *q, const lx_desk *d, const char *student_no, const char *extra);
xmlNodePtr lx_desk_xml(lx_req *q, xmlNodePtr page, const lx_desk *d);
int lx_desk_stats_xml(lx_req *q, xmlNodePtr desk, const lx_desk *d);
int lx_desk_student(lx_req *q, xmlNodePtr page, xmlNodePtr desk, const lx_desk *d,
                    const char *student_no);
void lx_notice_xml(xmlNodePtr parent, const char *kind, const char *text);

/* ---- lx_batch.c: a class or a dorm room for one step ---- */
int lx_batch_xml(lx_req *q, xmlNodePtr page, const lx_desk *d, const char *step,
                 const char *mode, const char *anchor, apr_table_t *selected, int *count);

/* ---- lx_status_json.c: the portal's status document of one student ---- */
int lx_status_json(lx_req *q, const char *student_no, const char **json);
/* The document of rows of lx.api_status_rows (ordered as lx_status_json reads them), NULL when
 * they name no student. */
const char *lx_status_json_rows(lx_req *q, const PGresult *res);

#endif
