-- The balancer's own errors as one answer: 503 with Retry-After, as the nodes give when the
-- database is away (LixiaoRetryAfter 30).  conf/balancer.conf.in makes this the ErrorDocument
-- of the 502, 503 and 504 that mod_proxy makes itself (no node answered, a node broke off
-- before its answer, a node too slow); the answers of the nodes pass unchanged.  A form sent
-- again after it is safe: its request id makes the node replay, not repeat, a change it made.
function handle(r)
    r.status = 503
    r.headers_out['Retry-After'] = '30'
    r.headers_out['Cache-Control'] = 'no-store'
    r.content_type = 'text/plain; charset=utf-8'
    r:puts('服务暂时不可用，请稍后再试。 Service unavailable, please try again later.\n')
    return apache2.OK
end
