/*
 * lx_gate.c: the database connections of a process, first come first served.
 *
 * On graduation day a process holds far more requests than it has database connections
 * (MPM event must have a thread for every connection with a request in it, or it closes idle
 * keep-alive connections: docs/operation.md "Graduation day").  Waiting in mod_dbd's pool is unfair: a
 * released connection goes to whichever thread takes the pool's lock first, often one that has
 * just arrived, and some requests waited 8 s while the average waited 2.  Here the requests
 * queue in arrival order, each waiting on its own condition variable, and a slot passes
 * straight to the oldest waiter.  A request that waits longer than LX_GATE_WAIT gets 503 with
 * Retry-After instead of holding its client forever.
 *
 * The gate has LixiaoDBSlots slots (set it to DBDMax): a request takes one before it asks
 * mod_dbd for a connection and gives it back when the request ends, after the connection.
 */
#include "lx_db.h"
#include "apr_ring.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"

#define LX_GATE_WAIT apr_time_from_sec(10)

typedef struct lx_waiter lx_waiter;
struct lx_waiter {
    APR_RING_ENTRY(lx_waiter) link;
    apr_thread_cond_t *cond;
    int granted;
};

struct lx_gate {
    apr_thread_mutex_t *lock;
    int free;
    APR_RING_HEAD(lx_waiters, lx_waiter) queue;
};

apr_status_t lx_gate_create(apr_pool_t *p, int slots, lx_gate **out)
{
    lx_gate *g = apr_pcalloc(p, sizeof(*g));
    apr_status_t rv = apr_thread_mutex_create(&g->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS)
        return rv;
    g->free = slots;
    APR_RING_INIT(&g->queue, lx_waiter, link);
    *out = g;
    return APR_SUCCESS;
}

/* Give the slot to the oldest waiter, or back to the gate. */
static apr_status_t lx_gate_leave(void *data)
{
    lx_gate *g = data;
    apr_thread_mutex_lock(g->lock);
    if (!APR_RING_EMPTY(&g->queue, lx_waiter, link)) {
        lx_waiter *w = APR_RING_FIRST(&g->queue);
        APR_RING_REMOVE(w, link);
        w->granted = 1;
        apr_thread_cond_signal(w->cond);
    }
    else {
        g->free++;
    }
    apr_thread_mutex_unlock(g->lock);
    return APR_SUCCESS;
}

/* Take a slot for the request (given back when r->pool is cleared): OK, or 503 when the
 * request waited too long. */
int lx_gate_enter(lx_gate *g, request_rec *r)
{
    apr_time_t deadline = apr_time_now() + LX_GATE_WAIT;
    lx_waiter w;
    int granted;

    if (!g)
        return OK;
    apr_thread_mutex_lock(g->lock);
    if (g->free > 0 && APR_RING_EMPTY(&g->queue, lx_waiter, link)) {
        g->free--;
        apr_thread_mutex_unlock(g->lock);
        apr_pool_cleanup_register(r->pool, g, lx_gate_leave, apr_pool_cleanup_null);
        return OK;
    }
    memset(&w, 0, sizeof(w));
    if (apr_thread_cond_create(&w.cond, r->pool) != APR_SUCCESS) {
        apr_thread_mutex_unlock(g->lock);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    APR_RING_ELEM_INIT(&w, link);
    APR_RING_INSERT_TAIL(&g->queue, &w, lx_waiter, link);
    while (!w.granted) {
        apr_time_t left = deadline - apr_time_now();
        if (left <= 0)
            break;
        apr_thread_cond_timedwait(w.cond, g->lock, left);
    }
    granted = w.granted;
    if (!granted)
        APR_RING_REMOVE(&w, link);
    apr_thread_mutex_unlock(g->lock);
    if (!granted) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, LXLOGNO(0109)
                      "waited %d s for a database connection: answered 503",
                      (int)apr_time_sec(LX_GATE_WAIT));
        return HTTP_SERVICE_UNAVAILABLE;
    }
    apr_pool_cleanup_register(r->pool, g, lx_gate_leave, apr_pool_cleanup_null);
    return OK;
}

/* Give the request's slot back before the request ends (it turned out not to need it). */
void lx_gate_leave_now(lx_gate *g, request_rec *r)
{
    if (g)
        apr_pool_cleanup_run(r->pool, g, lx_gate_leave);
}
