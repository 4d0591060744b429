/*
 * lx_handlers.h: the screens and actions, one function each, for lx_route.c's table.  A
 * handler answers OK/DONE after writing its page, a redirect, or an error status that
 * lx_route turns into an error page.  Handlers never call each other: what two of them share
 * is a builder (lx_req.h).
 */
#ifndef LX_HANDLERS_H
#define LX_HANDLERS_H

#include "lx_req.h"

int lx_page_home(lx_req *q);            /* page_home.c: GET /: own sheet or staff home */
int lx_page_lookup(lx_req *q);
int lx_page_student(lx_req *q);         /* page_student.c: GET /student/{no} */
int lx_page_desk(lx_req *q);            /* page_desk.c */
int lx_page_desk_search(lx_req *q);
int lx_page_batch(lx_req *q);           /* page_batch.c */
int lx_action_confirm(lx_req *q);       /* action_change.c */
int lx_action_revoke(lx_req *q);
int lx_action_scope(lx_req *q);
int lx_page_deferral(lx_req *q);        /* page_deferral.c */
int lx_action_deferral_search(lx_req *q);
int lx_action_deferral_close(lx_req *q);
int lx_action_deferral_open(lx_req *q);
int lx_page_admin(lx_req *q);           /* page_admin.c */
int lx_action_admin(lx_req *q);
int lx_admin_action_known(const char *name);
int lx_action_import(lx_req *q);        /* action_import.c */
int lx_action_feed_upload(lx_req *q);
int lx_page_export(lx_req *q);          /* page_export.c */
int lx_page_stats(lx_req *q);           /* page_stats.c */
int lx_api(lx_req *q);                  /* page_api.c: /api/v1/..., by token */
int lx_page_health(lx_req *q);          /* page_health.c: GET /health, without login */

#endif
