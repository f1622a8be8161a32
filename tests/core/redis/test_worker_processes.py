"""Real `cxhub worker` processes: SIGTERM lets the running job finish and puts the jobs it had
taken back on the queue; a worker killed outright loses nothing, its job runs again elsewhere."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cxhub.core.db import SYSTEM_SCOPE
from cxhub.core.jobs import JobRegistry, JobRequest
from cxhub.core.redis_jobs import RedisJobQueue
from cxhub.core.runtime import Runtime
from cxhub.core.settings import Settings
from tests.core.redis.conftest import REDIS_URL, worker_environment

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def start_worker(redis_settings: Settings) -> Iterator[Callable[[int], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(threads: int) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
            [sys.executable, "-m", "tests.core.redis.worker_process", str(threads)],
            cwd=REPO,
            env=worker_environment(redis_settings),
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.fixture
def producer(runtime: Runtime, redis_prefix: str) -> Iterator[RedisJobQueue]:
    """The web side: only puts jobs on the queue."""
    queue = RedisJobQueue(
        JobRegistry(), runtime.session_factory, redis_url=REDIS_URL, key_prefix=redis_prefix
    )
    yield queue
    queue.shutdown()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def lines(path: Path) -> list[str]:
    return path.read_text().split("\n")[:-1] if path.exists() else []


def submit(queue: RedisJobQueue, tmp_path: Path, key: str, first_sleep: float = 0) -> None:
    payload = {
        "key": key,
        "first_sleep": first_sleep,
        "started": str(tmp_path / "started"),
        "log": str(tmp_path / "log"),
    }
    queue.submit(JobRequest("test.record", SYSTEM_SCOPE, payload))


def test_sigterm_finishes_the_running_job_and_requeues_the_taken_ones(
    start_worker: Callable[[int], subprocess.Popen[bytes]],
    producer: RedisJobQueue,
    tmp_path: Path,
) -> None:
    first = start_worker(1)
    submit(producer, tmp_path, "slow", first_sleep=2.0)
    for key in ("b", "c", "d"):
        submit(producer, tmp_path, key)
    wait_for(lambda: "slow" in lines(tmp_path / "started"), 30, "the slow job to start")
    first.send_signal(signal.SIGTERM)
    assert first.wait(30) == 0
    # The running job finished; the ones it had prefetched are back on the queue, not lost.
    assert [line.split()[0] for line in lines(tmp_path / "log")] == ["slow"]
    assert producer.pending() == 3

    second = start_worker(2)
    producer.drain(30)
    done = sorted(line.split()[0] for line in lines(tmp_path / "log"))
    assert done == ["b", "c", "d", "slow"]  # every job exactly once
    assert all(line.split()[1] == str(second.pid) for line in lines(tmp_path / "log")[1:])
    second.send_signal(signal.SIGTERM)
    assert second.wait(30) == 0


def test_a_job_of_a_killed_worker_runs_again_on_another(
    start_worker: Callable[[int], subprocess.Popen[bytes]],
    producer: RedisJobQueue,
    tmp_path: Path,
) -> None:
    doomed = start_worker(1)
    submit(producer, tmp_path, "survivor", first_sleep=60.0)
    wait_for(lambda: "survivor" in lines(tmp_path / "started"), 30, "the job to start")
    doomed.kill()  # SIGKILL: no shutdown, the job's transaction never commits
    doomed.wait(10)
    rescuer = start_worker(1)
    # After the dead worker's heartbeat is missed (2 s here), its job goes back on the queue.
    wait_for(lambda: bool(lines(tmp_path / "log")), 60, "the job to run again")
    producer.drain(30)
    assert lines(tmp_path / "log") == [f"survivor {rescuer.pid}"]
    assert lines(tmp_path / "started") == ["survivor", "survivor"]
    rescuer.send_signal(signal.SIGTERM)
    assert rescuer.wait(30) == 0
