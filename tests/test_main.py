"""The command line, end to end, in subprocesses."""

import json
import math
import os
import subprocess
import sys

from PIL import Image
import pytest

from conftest import ROOT, subprocess_env


def run_main(workdir, *flags, timeout=600):
  return subprocess.run(
      [sys.executable, '-m', 'gan_unlearn_jax.main',
       '--config=configs/test.py', f'--workdir={workdir}', *flags],
      cwd=ROOT, env=subprocess_env(), capture_output=True, text=True,
      timeout=timeout)


def test_train_mode_writes_checkpoint_grids_and_metrics(tmp_path):
  cache = tmp_path / 'jax_cache'
  result = run_main(tmp_path, '--config.mode=train', '--config.train.epochs=1',
                    f'--config.compilation_cache_dir={cache}')
  assert result.returncode == 0, result.stderr[-3000:]
  assert list(cache.iterdir())  # The compiled steps, for later processes.
  assert sorted(os.listdir(tmp_path / 'checkpoints' / 'original')) == [
      '32', '64']  # Every 32 steps, the last two kept.
  grid = Image.open(tmp_path / 'samples' / 'original_epoch001.png')
  assert grid.size == (8 * 28, 8 * 28)
  events = os.listdir(tmp_path / 'tensorboard' / 'original')
  assert any(name.startswith('events.out.tfevents') for name in events)
  assert 'ETA' in result.stderr


def test_bad_config_exits_with_message_and_writes_nothing(tmp_path):
  workdir = tmp_path / 'run'
  result = run_main(workdir, '--config.train.batch_size=0')
  assert result.returncode == 2
  assert 'config.train.batch_size=0' in result.stderr
  assert 'Traceback' not in result.stderr
  assert not workdir.exists()


def test_all_mode_runs_every_stage_and_evaluates(tmp_path):
  result = run_main(tmp_path)  # configs/test.py: --config.mode=all.
  assert result.returncode == 0, result.stderr[-3000:]
  request = 'random32-seed0'
  for name in ('original', 'classifier', f'unlearned/{request}',
               f'retrained/{request}', f'finetuned/{request}'):
    assert os.listdir(tmp_path / 'checkpoints' / name), name
  with open(tmp_path / 'timings.json') as f:
    timings = json.load(f)
  assert set(timings) == {'train', 'classifier', 'unlearn',
                          'unlearn_precompute', 'retrain', 'finetune'}
  assert 0 <= timings['unlearn_precompute'] < timings['unlearn']
  with open(tmp_path / 'checkpoints' / 'unlearned' / request /
            'record.json') as f:
    steps = json.load(f)['steps']
  # Precomputed only when the stop rule asked for a step.
  assert (timings['unlearn_precompute'] > 0) == (steps > 0)
  with open(tmp_path / 'report.json') as f:
    report = json.load(f)
  assert {'request', 'config', 'timings_s', 'speedup', 'num_samples',
          'feature_extractor', 'metrics'} <= set(report)
  assert report['speedup'] == pytest.approx(
      timings['retrain'] / timings['unlearn'])
  assert report['num_samples'] == 512
  assert set(report['metrics']) == {'original', 'unlearned', 'retrained',
                                    'finetuned'}
  for metrics in report['metrics'].values():
    for key in ('mia_whitebox_auc', 'mia_blackbox_auc', 'fcd',
                'classifier_score', 'downstream_accuracy'):
      assert math.isfinite(metrics[key]), key
    assert 0 < metrics['downstream_accuracy'] <= 1
    assert len(metrics['fcd_per_class']) == 10
    assert metrics['num_members'] == 32
  table = (tmp_path / 'report.md').read_text()
  assert '| fcd |' in table and 'unlearned - retrained' in table
  # Four 8x8 grids of 28x28 samples with 4-pixel gaps; 8 forget images over
  # one row of nearest samples per model.
  assert Image.open(tmp_path / 'report_samples.png').size == (
      4 * 8 * 28 + 3 * 4, 8 * 28)
  assert Image.open(tmp_path / 'report_nearest.png').size == (8 * 28, 5 * 28)
  assert Image.open(tmp_path / 'report_membership.png').format == 'PNG'
