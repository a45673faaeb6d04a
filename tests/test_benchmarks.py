"""The benchmarks run to completion on the tiny config (smoke runs, no timing
assertions)."""

import json
import subprocess
import sys

from conftest import ROOT, subprocess_env


def _run(*args):
  result = subprocess.run([sys.executable, *args], cwd=ROOT,
                          env=subprocess_env(), capture_output=True,
                          text=True, timeout=900)
  assert result.returncode == 0, result.stderr[-3000:]
  return result.stdout


def test_steps_benchmark_prints_its_table(tmp_path):
  out = _run('benchmarks/steps.py', '--configs=test', '--batch_sizes=32',
             '--steps=2', f'--json_out={tmp_path / "steps.json"}')
  assert '| test | GAN train_step | 1 | 32 |' in out
  assert '| test | cascaded_unlearning_step | 1 | 32 |' in out
  rows = json.loads((tmp_path / 'steps.json').read_text())
  assert all(r['steps_per_s'] > 0 and r['host_peak_gib'] > 0 for r in rows)


def test_speedup_benchmark_writes_its_table(tmp_path):
  out = _run('benchmarks/speedup.py', '--config=configs/test.py',
             f'--workdir={tmp_path}', '--requests=random16:0',
             '--config.train.epochs=1', '--config.unlearn.stop=epochs',
             '--config.unlearn.epochs=1')
  assert '| random16-seed0 |' in out
  (row,) = json.loads((tmp_path / 'speedup.json').read_text())['rows']
  assert row['request'] == 'random16-seed0'
  assert row['retrain_s'] > 0 and row['speedup_warm'] > 0
  assert 0 <= row['whitebox_auc'][0] <= 1 and row['fcd_ratio'] > 0
