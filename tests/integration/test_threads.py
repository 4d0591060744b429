"""Sixty-four threads rendering at once give byte for byte the pages of one thread (libxslt
and libxml2 share the compiled stylesheets between threads: STYLE.md)."""
import concurrent.futures as cf
import random

from data import students_who_log_in
from volatile import normal


def test_sixty_four_threads_render_what_one_thread_renders(env, httpd):
    students = students_who_log_in(env, 64)
    paths = [("/lx/", n) for n in students] + [("/lx/?format=xml", n) for n in students[:8]]
    serial = {}
    for path, user in paths:
        r = httpd.get(path, user=user)
        assert r.status_code == 200
        serial[(path, user)] = normal(r.content)

    def worker(seed):
        rnd = random.Random(seed)
        order = paths * 2
        rnd.shuffle(order)
        wrong = []
        for path, user in order:
            r = httpd.get(path, user=user)
            if r.status_code != 200 or normal(r.content) != serial[(path, user)]:
                wrong.append((path, user, r.status_code))
        return wrong

    with cf.ThreadPoolExecutor(64) as ex:
        wrong = [w for part in ex.map(worker, range(64)) for w in part]
    assert wrong == [], wrong[:5]
