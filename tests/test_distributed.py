"""Two processes on this machine, joined by `jax.distributed` (CPU, gloo)."""

import os
import socket
import subprocess
import sys

import numpy as np

from conftest import ROOT, subprocess_env


def _free_port() -> int:
  with socket.socket() as s:
    s.bind(('localhost', 0))
    return s.getsockname()[1]


def test_two_processes_train_and_unlearn_to_identical_parameters(tmp_path):
  port = _free_port()
  workers = [subprocess.Popen(
      [sys.executable, 'tests/distributed_worker.py', str(i), str(port),
       str(tmp_path)], cwd=ROOT, env=subprocess_env(), text=True,
      stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for i in range(2)]
  outputs = [w.communicate(timeout=900)[0] for w in workers]
  for worker, output in zip(workers, outputs):
    assert worker.returncode == 0, output[-4000:]
  first, second = (np.load(tmp_path / f'params_{i}.npz') for i in range(2))
  assert len(first.files) > 20
  for key in first.files:
    np.testing.assert_array_equal(first[key], second[key])
  # One checkpoint of each, written together by both processes.
  checkpoints = tmp_path / 'checkpoints'
  assert os.listdir(checkpoints / 'original') == ['8']  # 256 / 32 steps.
  assert sorted(os.listdir(checkpoints / 'unlearned' / 'random16-seed0')) == [
      '6', 'precomputed.json', 'record.json', 'request.json']  # 3 x 16 / 8.
