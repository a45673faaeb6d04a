"""The training and unlearning loops on several devices and processes give
the parameters of a one-device run (tests/loop_worker.py runs the loops)."""

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import ROOT, subprocess_env


def _free_port() -> int:
  with socket.socket() as s:
    s.bind(('localhost', 0))
    return s.getsockname()[1]


def _start(workdir, devices, *runtime):
  """A worker on `devices` CPU devices; `runtime`: (process_id, processes,
  port) of a multi-process runtime. Its log goes to a file in `workdir`."""
  log = workdir / f'worker{runtime[0] if runtime else 0}.log'
  with open(log, 'w') as f:
    worker = subprocess.Popen(
        [sys.executable, 'tests/loop_worker.py', str(workdir),
         *map(str, (devices, *runtime))],
        cwd=ROOT, env=subprocess_env(), text=True, stdout=f,
        stderr=subprocess.STDOUT)
  worker.log = log
  return worker


def _finish(*workers):
  """Waits for every worker. One that fails would leave the others waiting
  for it in a collective, so they are stopped and every log is shown."""
  deadline = time.monotonic() + 900
  while time.monotonic() < deadline:
    codes = [w.poll() for w in workers]
    if any(codes) or all(code == 0 for code in codes):
      break
    time.sleep(0.5)
  for worker in workers:
    if worker.poll() is None:
      worker.kill()
      worker.wait()
  if any(w.returncode for w in workers):
    pytest.fail('\n'.join(
        f'worker {i} exited with {w.returncode}:\n{w.log.read_text()[-3000:]}'
        for i, w in enumerate(workers)))


@pytest.fixture(scope='module')
def one_device(tmp_path_factory):
  workdir = tmp_path_factory.mktemp('one_device')
  _finish(_start(workdir, 1))
  return np.load(workdir / 'params_0.npz')


def _assert_close(params, reference):
  assert len(params.files) == len(reference.files) > 20
  for key in reference.files:
    np.testing.assert_allclose(params[key], reference[key], atol=1e-4,
                               rtol=1e-3)


def test_eight_devices_match_one_device(tmp_path, one_device):
  _finish(_start(tmp_path, 8))
  _assert_close(np.load(tmp_path / 'params_0.npz'), one_device)


def test_two_processes_train_and_unlearn_to_identical_parameters(
    tmp_path, one_device):
  port = _free_port()
  _finish(*[_start(tmp_path, 2, i, 2, port) for i in range(2)])
  first, second = (np.load(tmp_path / f'params_{i}.npz') for i in range(2))
  for key in first.files:
    np.testing.assert_array_equal(first[key], second[key])
  _assert_close(first, one_device)  # 2 processes x 2 devices = 1 device.
  # One checkpoint of each, written together by both processes.
  checkpoints = tmp_path / 'checkpoints'
  assert os.listdir(checkpoints / 'original') == ['8']  # 256 / 32 steps.
  assert sorted(os.listdir(checkpoints / 'unlearned' / 'random16-seed0')) == [
      '6', 'record.json', 'request.json']  # 3 x 16 / 8.
