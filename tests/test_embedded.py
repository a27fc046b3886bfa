"""The embedded server's handle list: pids of processes that exited without removing themselves are dropped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import psutil

from tracklake.embedded import forget_exited_handles


def test_exited_and_zombie_pids_are_forgotten_and_running_ones_kept(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # exited and reaped
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while psutil.Process(zombie.pid).status() != psutil.STATUS_ZOMBIE:  # exited, not yet reaped
        assert time.monotonic() < deadline
        time.sleep(0.01)
    path = tmp_path / ".handle_pids.json"
    path.write_text(json.dumps([gone.pid, os.getpid(), zombie.pid]))
    try:
        exited = forget_exited_handles(path, threading.Lock())
    finally:
        zombie.wait()
    assert exited == [gone.pid, zombie.pid]
    assert json.loads(path.read_text()) == [os.getpid()]


def test_a_list_cut_short_by_a_killed_writer_is_reset(tmp_path):
    path = tmp_path / ".handle_pids.json"
    path.write_text("[12")
    assert forget_exited_handles(path, threading.Lock()) == []
    assert json.loads(path.read_text()) == []


def test_no_list_yet_is_left_alone(tmp_path):
    path = tmp_path / ".handle_pids.json"
    assert forget_exited_handles(path, threading.Lock()) == []
    assert not path.exists()
