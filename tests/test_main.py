"""The command line, end to end, in subprocesses."""

import hashlib
import json
import math
import os
import subprocess
import sys

import numpy as np
from PIL import Image
import pytest

from conftest import ROOT, subprocess_env
from gan_unlearn_jax import report as report_module


def run_main(workdir, *flags, timeout=600, **env):
  return subprocess.run(
      [sys.executable, '-m', 'gan_unlearn_jax.main',
       '--config=configs/test.py', f'--workdir={workdir}', *flags],
      cwd=ROOT, env=subprocess_env(**env), capture_output=True, text=True,
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

  # A checkpoint whose data no longer reads: one clear error, exit 2, and
  # nothing after it (orbax's pending reads once printed tracebacks at exit).
  latest = tmp_path / 'checkpoints' / 'original' / '64'
  for path in latest.rglob('*'):
    if path.is_file() and path.parent.name == 'd':
      path.write_bytes(b'garbage')
  result = run_main(tmp_path, '--config.mode=unlearn',
                    '--config.train.epochs=1')
  assert result.returncode == 2
  assert 'does not restore' in result.stderr
  assert 'Traceback' not in result.stderr, result.stderr[-3000:]
  assert result.stderr.rstrip().splitlines()[-1].startswith('error: ')


def test_bad_config_exits_with_message_and_writes_nothing(tmp_path):
  workdir = tmp_path / 'run'
  result = run_main(workdir, '--config.train.batch_size=0')
  assert result.returncode == 2
  assert 'config.train.batch_size=0' in result.stderr
  assert 'Traceback' not in result.stderr
  assert not workdir.exists()


EVERY_EVALUATOR = ("('membership','reconstruction','reconstruction_calibrated',"
                   "'sample_quality','class_rate','canary_rate','downstream')")


def test_all_mode_runs_every_stage_and_evaluates(tmp_path):
  # configs/test.py: --config.mode=all; the README's request, as written;
  # every evaluator, the calibrated attack (and its reference GAN) too.
  # Optimised: the reconstruction attacks' Adam steps outweigh the compiles.
  result = run_main(tmp_path, '--config.unlearn.request=ids:10,14',
                    '--config.unlearn.stop=epochs',
                    f'--config.evaluation.evaluators={EVERY_EVALUATOR}',
                    JAX_DISABLE_MOST_OPTIMIZATIONS='0')
  assert result.returncode == 0, result.stderr[-3000:]
  request = 'items2-' + hashlib.sha256(
      np.array([10, 14], np.int64).tobytes()).hexdigest()[:8]
  for name in ('original', 'classifier', f'unlearned/{request}',
               f'retrained/{request}', f'finetuned/{request}', 'reference'):
    assert os.listdir(tmp_path / 'checkpoints' / name), name
  with open(tmp_path / 'timings.json') as f:
    timings = json.load(f)
  assert set(timings) == {'train', 'classifier', 'reference', 'requests'}
  stages = timings['requests'][request]
  assert set(stages) == {'unlearn', 'unlearn_precompute', 'retrain_0',
                         'finetune'}
  assert 0 < stages['unlearn_precompute'] < stages['unlearn']
  with open(tmp_path / 'report.json') as f:
    report = json.load(f)
  assert {'request', 'config', 'timings_s', 'speedup', 'num_samples',
          'feature_extractor', 'metrics'} <= set(report)
  assert report['request']['forget_ids'] == [10, 14]
  with open(tmp_path / 'checkpoints' / 'classifier' / 'metrics.json') as f:
    assert report['classifier_test_accuracy'] == json.load(f)['test_accuracy']
  assert report['unlearning']['steps'] == 4  # 4 passes of one batch.
  assert report['timings_s'] == {'train': timings['train'],
                                 'classifier': timings['classifier'],
                                 'reference': timings['reference'], **stages}
  assert report['speedup'] == pytest.approx(
      stages['retrain_0'] / stages['unlearn'])
  assert report['speedup_with_classifier'] == pytest.approx(
      stages['retrain_0'] / (stages['unlearn'] + timings['classifier']))
  assert report['provenance']['command'].startswith(
      'python -m gan_unlearn_jax.main --config=configs/test.py')
  assert set(report['provenance']['hardware']) == {'devices', 'backend', 'cpu'}
  assert report['holdout'] == {'size': 2000, 'probe': 1000,
                               'evaluation': 1000}
  assert set(report['unlearning']) >= {
      'steps', 'no_step_needed', 'stop_auc', 'stop_auc_ci95', 'overshoot'}
  gaps = report['membership_gaps']['unlearned']
  assert set(gaps) == {f'{attack}{suffix}' for suffix in ('', '_remaining')
                       for attack in ('whitebox', 'blackbox',
                                      'reconstruction',
                                      'reconstruction_calibrated')}
  assert all(g['ci95'][0] <= g['gap'] <= g['ci95'][1] for g in gaps.values())
  assert report['num_samples'] == 512
  assert set(report['metrics']) == {'original', 'unlearned', 'retrained',
                                    'retrained_models', 'finetuned'}
  assert len(report['metrics']['retrained_models']) == 1
  assert report['metrics']['retrained']['fcd'] == (
      report['metrics']['retrained_models'][0]['fcd'])
  for model in ('original', 'unlearned', 'retrained_models', 'finetuned'):
    metrics = report['metrics'][model]
    metrics = metrics[0] if model == 'retrained_models' else metrics
    for key in ('mia_whitebox_auc', 'mia_blackbox_auc',
                'mia_reconstruction_auc', 'mia_reconstruction_calibrated_auc',
                'mia_whitebox_remaining_auc',
                'mia_whitebox_tpr_at_1pct_fpr', 'fcd', 'kid',
                'classifier_score', 'downstream_accuracy'):
      assert math.isfinite(metrics[key]), key
    assert 0 < metrics['downstream_accuracy'] <= 1
    assert len(metrics['fcd_per_class']) == 10
    assert metrics['num_members'] == 2
    assert metrics['num_nonmembers'] == 1000
    assert metrics['mia_whitebox_realised_fpr_at_1pct'] == 0.01
  table = (tmp_path / 'report.md').read_text()
  assert '| fcd |' in table and 'paired bootstrap' in table
  # Four 8x8 grids of 28x28 samples with 4-pixel gaps, in the caption's order.
  assert ('left to right: original, unlearned, retrained/0, finetuned'
          in table)
  assert Image.open(tmp_path / 'report_samples.png').size == (
      4 * 8 * 28 + 3 * 4, 8 * 28)
  # The 2 forget images over one row of nearest samples per model.
  assert Image.open(tmp_path / 'report_nearest.png').size == (2 * 28, 5 * 28)
  assert Image.open(tmp_path / 'report_membership.png').format == 'PNG'


def test_a_copy_without_git_names_its_commit(monkeypatch):
  monkeypatch.setattr(report_module, '_git', lambda *args: None)
  monkeypatch.setenv('GAN_UNLEARN_COMMIT', 'abc123')
  assert report_module.provenance()['commit'] == 'abc123'
  monkeypatch.delenv('GAN_UNLEARN_COMMIT')
  assert report_module.provenance()['commit'] is None
