/*
 * lx_route.h: what mod_lixiao.c hands to lx_route.c.
 */
#ifndef LX_ROUTE_H
#define LX_ROUTE_H

#include "lx_conf.h"

/* The handler of every request under LixiaoBaseURL. */
int lx_route(request_rec *r);

/* post_read_request: a token a client put into a URL under LixiaoBaseURL never reaches a log. */
int lx_scrub_query_tokens(request_rec *r);

#endif
