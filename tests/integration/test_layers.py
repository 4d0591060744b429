"""scripts/check-layers (run by make test on the build) fails on each kind of call that goes up
or sideways: shown here on a copy of the build with one bad object or include added at a time."""
import shutil
import subprocess

import pytest

from lxenv import REPO

CHECK = REPO / "scripts/check-layers"


def check(moddir):
    return subprocess.run([str(CHECK), str(moddir)], capture_output=True, text=True)


def compiled(path, source):
    subprocess.run(["gcc", "-c", "-x", "c", "-", "-o", str(path)], input=source, text=True,
                   check=True)


@pytest.fixture
def build(tmp_path):
    moddir = tmp_path / "mod_lixiao"
    shutil.copytree(REPO / "mod_lixiao", moddir,
                    ignore=shutil.ignore_patterns("*.lo", "*.slo", "*.la", "*.so"))
    return moddir


def test_the_build_goes_down():
    r = check(REPO / "mod_lixiao")
    assert r.returncode == 0 and "every call goes down" in r.stdout, r.stdout


@pytest.mark.parametrize("where,source,message", [
    # a page calling a page
    (".libs/page_student.o", "void lx_page_home(void *r); int lx_page_student(void *r)"
     " { lx_page_home(r); return 0; }", "page_student (handlers) calls lx_page_home of page_home"),
    # a builder calling a handler
    (".libs/lx_batch.o", "int lx_action_confirm(void *r); int lx_batch_xml(void *r)"
     " { return lx_action_confirm(r); }", "lx_batch (builders) calls lx_action_confirm"),
    # the database calling the page layer
    (".libs/lx_db.o", "void lx_error_page(void *r); void lx_db_allow(void *r)"
     " { lx_error_page(r); }", "lx_db (database) calls lx_error_page of lx_page"),
    # core/ calling the module
    ("core/.libs/lx_text.o", "const char *lx_db_literal(void *d, const char *v);"
     " const char *f(void *d) { return lx_db_literal(d, 0); }", "core/lx_text (core) calls"),
    # a new file nobody placed
    (".libs/page_new.o", "int lx_page_new_thing(void) { return 0; }", "page_new: a file"),
])
def test_a_call_up_or_sideways_fails(build, where, source, message):
    compiled(build / where, source)
    r = check(build)
    assert r.returncode == 1 and message in r.stdout, r.stdout


def test_an_httpd_header_in_core_fails(build):
    with open(build / "core/lx_text.c", "a") as f:
        f.write('#include "http_protocol.h"\n')
    r = check(build)
    assert r.returncode == 1 and "core/lx_text.c includes http_protocol.h" in r.stdout, r.stdout
