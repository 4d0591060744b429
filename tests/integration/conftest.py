"""Fixtures of the integration tests.

- `env`: the session's PostgreSQL and httpd (lxenv.Env), stopped at the end, also on failure.
  Before it is removed, no resident ID number may be in any of its logs (idleak.py).
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
from lxenv import Env, running, unexpected_lines


@pytest.fixture(scope="session")
def env():
    with running(Env()) as e:
        eventaudit.install(e.cluster)
        e.auditor = eventaudit.Auditor(e.cluster)
        yield e
        assert e.auditor.history_intact(), "events older than the session were altered"


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
    unexpected = unexpected_lines(env.httpd, offset, logcheck.patterns)
    assert not unexpected, "unexpected lines in httpd's error log:\n" + "\n".join(unexpected)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("FAILED: tests were skipped; make test allows no skip")
        session.exitstatus = 1

