# mod_lixiao: digital graduation clearance (数字离校) for Apache httpd.
#
#   make run      the demo on http://127.0.0.1:8080/lx/ (LX_PORT overrides), foreground
#   make start    the same, in the background;  make stop  stops it;  make reset  deletes its data
#   make test     every test: unit tests of core/, integration tests with real httpd and PostgreSQL
#   make test-asan   the integration tests once against the module built with AddressSanitizer
#   make test-cluster   the cluster test alone (two nodes behind a balancer, a primary and a
#                 synchronous standby; docs/operation.md "Large installations"): writes build/cluster.json
#   make bench    every benchmark (docs/performance.md): writes bench/results.json and .md
#                 SIZE=N sets the large size of the dashboard (default 1,000,000; 0 skips it)
#   make bench-cluster  one node against two behind a balancer, reads on the primary against
#                 the standby (docs/operation.md "Reads on standbys"): writes bench/cluster.json and .md
#   make bench-import   the roster import through the module against psql by hand, alone
#   make bench-stats    dashboard and desk statistics at the demo size and 1,000,000 students
#   make fuzz     the libFuzzer targets of core/ (docs/development.md "Fuzzing"), one after another:
#                 TARGET=form|query|idcard|csv|json (default all), SECONDS=N each (default 300)
#   make install  the module into Debian's Apache (docs/installation.md); DESTDIR=dir stages it
#   make deb      the Debian package build/deb/lixiao_VERSION_ARCH.deb (dpkg-buildpackage, debhelper,
#                 dh_apache2), then lintian on it; VERSION is 0.N for the last migration sql/N_*.sql
#                 (DEB_VERSION= overrides).  Built in a copy, build/deb/lixiao-VERSION/
#                 (docs/installation.md "1. The package")
#   make uninstall   disables it in Apache in the order that keeps Apache starting, then removes
#                 what make install installed (docs/runbooks.md "Removal"); PURGE=1 also the
#                 site's lixiao.conf and lixiao.secret; DESTDIR=dir as for install
#
# Each target installs the Debian packages it needs that are missing.

include Makefile.apxs

run: deps-run
	$(MAKE) -f Makefile.apxs all
	scripts/run.sh

start: deps-run
	$(MAKE) -f Makefile.apxs all
	scripts/run.sh --detach

stop:
	scripts/run.sh --stop

reset:
	scripts/run.sh --reset

test: deps-test
	$(MAKE) -f Makefile.apxs all
	scripts/test.sh

# one fuzzer at a time, in one process, at low priority
fuzz: deps-test
	$(MAKE) -f Makefile.apxs fuzz-run

# part of make test too; alone, it prints the failover figures (docs/operation.md "Large installations")
test-cluster: deps-test
	$(MAKE) -f Makefile.apxs all
	/usr/bin/python3 -m pytest -p no:cacheprovider -q -rfEs tests/integration/test_cluster.py
	@cat build/cluster.json

# the integration suite once against the module built with AddressSanitizer (docs/development.md "Tests")
test-asan: deps-test
	$(MAKE) -f Makefile.apxs all
	scripts/test-asan.sh

# benchmarks: measured as ratios within one run, never asserted in tests
bench: deps-bench
	$(MAKE) -f Makefile.apxs all
	/usr/bin/python3 tests/bench/bench.py

bench-cluster: deps-bench
	$(MAKE) -f Makefile.apxs all
	/usr/bin/python3 tests/bench/bench_cluster.py

bench-import: deps-test
	$(MAKE) -f Makefile.apxs all
	/usr/bin/python3 tests/bench/bench_import.py

bench-stats: deps-test
	$(MAKE) -f Makefile.apxs all
	/usr/bin/python3 tests/bench/bench_stats.py

install: deps-install
	$(MAKE) -f Makefile.apxs all
	DESTDIR="$(DESTDIR)" scripts/install.sh

# the package's version: the schema's, as releases are named (the module serves the schema of
# its last migration only)
DEB_VERSION ?= 0.$(shell echo $(SCHEMA_VERSION) | sed 's/_.*//; s/^0*//')
DEB_SRC = build/deb/lixiao-$(DEB_VERSION)

deb: deps-deb
	rm -rf build/deb
	mkdir -p $(DEB_SRC)
	tar -c --exclude='*.o' --exclude='*.lo' --exclude='*.slo' --exclude='*.la' --exclude=.libs \
	    Makefile.apxs README.md cli conf debian docs mod_lixiao scripts sql templates \
	    | tar -x -C $(DEB_SRC)
	printf 'lixiao (%s) unstable; urgency=medium\n\n  * Built from the schema %s.\n\n -- %s  %s\n' \
	    "$(DEB_VERSION)" "$(SCHEMA_VERSION)" "mod_lixiao developers <lixiao@example.edu.cn>" \
	    "$$(date -R)" >$(DEB_SRC)/debian/changelog
	cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc >../build.log 2>&1 \
	    || { cat ../build.log; exit 1; }
	lintian --fail-on error,warning build/deb/lixiao_$(DEB_VERSION)_*.deb
	@ls build/deb/lixiao_$(DEB_VERSION)_*.deb

uninstall:
	DESTDIR="$(DESTDIR)" PURGE="$(PURGE)" scripts/uninstall.sh

deps-run:
	@scripts/deps.sh run

deps-install:
	@scripts/deps.sh install

deps-deb:
	@scripts/deps.sh deb

deps-test:
	@scripts/deps.sh test

deps-bench:
	@scripts/deps.sh bench

.PHONY: run start stop reset test test-cluster fuzz bench bench-cluster bench-import bench-stats install deb uninstall deps-run \
	deps-install deps-deb deps-test deps-bench
