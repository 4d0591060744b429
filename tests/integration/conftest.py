"""Fixtures of the integration tests.

- `env`: the session's PostgreSQL and httpd (lxenv.Env), stopped at the end, also on failure.
- `httpd`: that httpd, with the error log read after each test: any warning or error the test
  did not announce with `logcheck.expect(regex)` fails it.
- After each test, every change it made to a student's steps, gates and roster is in the event
  log exactly once (eventaudit.py); at the end of the session, the log as it was at its start
  is still there, unaltered.
- A skipped test fails the run (make test must not pass with skips).
"""
import re

import pytest

import eventaudit
from lxenv import BAD_LEVEL, Env


@pytest.fixture(scope="session")
def env():
    e = Env()
    failed = True
    try:
        e.start()
        eventaudit.install(e.cluster)
        e.auditor = eventaudit.Auditor(e.cluster)
        yield e
        assert e.auditor.history_intact(), "events older than the session were altered"
        failed = False
    finally:
        e.close(keep=False)
        if failed:
            print(f"\n(test environment was in {e.base})")


class LogCheck:
    def __init__(self):
        self.patterns = []

    def expect(self, regex):
        """Announce error-log lines this test causes on purpose."""
        self.patterns.append(re.compile(regex))


@pytest.fixture
def logcheck():
    return LogCheck()


@pytest.fixture(autouse=True)
def event_log_exactly_once(env):
    yield
    problems = env.auditor.problems()
    assert not problems, eventaudit.describe(problems)


@pytest.fixture
def httpd(env, logcheck):
    offset = env.httpd.log_size()
    yield env.httpd
    unexpected = [line for line in env.httpd.log_since(offset)
                  if BAD_LEVEL.search(line)
                  and not any(p.search(line) for p in logcheck.patterns)]
    assert not unexpected, "unexpected lines in httpd's error log:\n" + "\n".join(unexpected)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("FAILED: tests were skipped; make test allows no skip")
        session.exitstatus = 1
