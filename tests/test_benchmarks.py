"""The benchmarks run to completion on the tiny config (smoke runs, no timing
assertions)."""

import importlib
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, subprocess_env


def _run(*args, **env):
  result = subprocess.run([sys.executable, *args], cwd=ROOT,
                          env=subprocess_env(**env), capture_output=True,
                          text=True, timeout=900)
  assert result.returncode == 0, result.stderr[-3000:]
  return result.stdout


def test_steps_benchmark_prints_its_table(tmp_path):
  # Two virtual CPU devices: one row per step on one device and on both.
  out = _run('-m', 'benchmarks.steps', '--configs=test', '--batch_sizes=32',
             '--steps=2', '--models=3', f'--json_out={tmp_path / "steps.json"}',
             XLA_FLAGS='--xla_force_host_platform_device_count=2')
  for step in ('GAN train_step', 'cascaded_unlearning_step'):
    for devices in ('1 (jit)', '2 (pmap)'):
      assert f'| test | {step} | {devices} | 32 |' in out
  assert '| test | GAN train_step x 3 (vmap) | 2 (pmap) | 32 |' in out
  run = json.loads((tmp_path / 'steps.json').read_text())
  assert run['provenance']['command'].startswith('python -m benchmarks.steps')
  rows = run['rows']
  assert len(rows) == 5
  assert all(r['steps_per_s'] > 0 and r['host_peak_gib'] > 0 for r in rows)
  # The cascaded step has a D batch (forget) and a G batch (substitution)
  # more than the GAN step: it counts more arithmetic.
  gflop = {r['step']: r['gflop_per_step'] for r in rows}
  assert 0 < gflop['GAN train_step'] < gflop['cascaded_unlearning_step']
  assert gflop['GAN train_step x 3 (vmap)'] == 3 * gflop['GAN train_step']


SPEEDUP_ARGS = ('-m', 'benchmarks.speedup', '--config=configs/test.py',
                '--requests=random:16', '--config.train.epochs=1',
                '--config.unlearn.stop=epochs', '--config.unlearn.epochs=1')


@pytest.fixture(scope='module')
def speedup_run(tmp_path_factory):
  """A workdir with an original, an unlearned and a retrained model, and
  the speed-up benchmark's output."""
  workdir = tmp_path_factory.mktemp('speedup')
  return workdir, _run(*SPEEDUP_ARGS, f'--workdir={workdir}',
                       f'--json_out={workdir / "recorded.json"}')


def test_speedup_benchmark_writes_its_table(speedup_run):
  workdir, out = speedup_run
  args = (*SPEEDUP_ARGS, f'--workdir={workdir}')
  assert '| random16-seed0 |' in out
  run = json.loads((workdir / 'recorded.json').read_text())
  assert run == json.loads((workdir / 'speedup.json').read_text())
  assert run['config'] == 'test'
  assert run['provenance']['command'].startswith('python -m benchmarks.speedup')
  (row,) = run['rows']
  assert row['request'] == 'random16-seed0'
  assert row['retrain_s'] > 0 and row['speedup_warm'] > 0
  assert 0 <= row['whitebox_auc'][0] <= 1 and row['fcd_ratio'] > 0
  assert row['fcd_ratio_original'] > 0 and '(original ' in out
  assert row['unlearn_steps'] >= 1
  assert 'Item requests (1): mean |AUC(unlearned) - AUC(retrained)|' in out
  # Again: the complete retrained model is reused with its measured seconds,
  # kept even where the earlier table has no row for the request.
  table = json.loads((workdir / 'speedup.json').read_text())
  assert table['retrain_seconds'] == {'random16-seed0': row['retrain_s']}
  table['rows'] = []
  (workdir / 'speedup.json').write_text(json.dumps(table))
  _run(*args)
  (again,) = json.loads((workdir / 'speedup.json').read_text())['rows']
  assert again['retrain_s'] == row['retrain_s']


def test_gpu_script_runs_item_then_class_and_prints_their_table(tmp_path):
  """The accelerator script on the CPU path, with the tiny configs."""
  # The test configs' 4 epochs: a 1-epoch G draws no 7 to substitute.
  flags = ("--config.unlearn.stop=epochs --config.unlearn.epochs=1 "
           "--config.evaluation.evaluators=('membership','class_rate')")
  result = subprocess.run(
      ['bash', 'benchmarks/gpu.sh', str(tmp_path / 'results')], cwd=ROOT,
      env=subprocess_env(PAIRS='test:test_class', STEPS='0', RETRAINS='2',
                         FLAGS=flags, GPU_WORKDIR=str(tmp_path / 'work')),
      capture_output=True, text=True, timeout=900)
  assert result.returncode == 0, result.stderr[-3000:]
  for config in ('test', 'test_class'):
    report = json.loads(
        (tmp_path / 'results' / f'{config}-gpu' / 'report.json').read_text())
    assert len(report['metrics']['retrained_models']) == 2
    assert report['config']['retrain']['vmapped']
    assert f'| [{config}-gpu](' in result.stdout
  assert report['request']['kind'] == 'class'


@pytest.mark.parametrize('name', ['steps', 'speedup', 'convergence', 'spread',
                                  'distribution_gap', 'screen'])
def test_benchmarks_run_as_modules_from_the_repository_root(name):
  result = subprocess.run([sys.executable, '-m', f'benchmarks.{name}',
                           '--helpshort'], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # No PYTHONPATH added.
  # absl prints the module's docstring and flags (and exits with 1).
  assert f'python -m benchmarks.{name}' in result.stdout, result.stderr
  assert f'benchmarks/{name}.py:' in result.stdout  # Its flags.


def test_class_requests_unlearn_as_the_class_config_says():
  # In a subprocess: importing the benchmark defines its command-line flags.
  code = """
import json
from benchmarks import speedup
from configs import mnist_class, test
config, class_config = test.get_config(), mnist_class.get_config()
class_config.unlearn.lambda_sub = 7.0
class_config.substitution.num_anchor_latents = 5
request = speedup.request_config(config, 'class:3', class_config)
item = speedup.request_config(config, 'random:16:2', class_config)
print(json.dumps({name: c.to_dict() for name, c in (
    ('config', config), ('class', class_config), ('request', request),
    ('item', item))}))
"""
  configs = json.loads(_run('-c', code))
  request, item = configs['request'], configs['item']
  assert request['unlearn']['request'] == 'class:3'
  assert request['unlearn']['lambda_sub'] == 7.0
  assert request['substitution'] == configs['class']['substitution']
  # The original's data, models and training come from --config alone.
  for section in ('data', 'model', 'train'):
    assert request[section] == item[section] == configs['config'][section]
  assert item['unlearn'] == {**configs['config']['unlearn'],
                             'request': 'random:16:2'}
  assert item['substitution'] == configs['config']['substitution']


def test_convergence_benchmark_resumes_and_adds_epochs(tmp_path):
  args = ('-m', 'benchmarks.convergence', '--config=configs/test.py',
          f'--workdir={tmp_path}')
  out = _run(*args, '--epochs=2')
  run = json.loads((tmp_path / 'convergence.json').read_text())
  assert run['config'] == 'test'
  assert run['provenance']['command'].startswith(
      'python -m benchmarks.convergence')
  rows = run['rows']
  assert [r['epochs'] for r in rows] == [1, 2]
  assert 0 <= run['classifier']['test_accuracy'] <= 1
  assert run['classifier']['train_s'] > 0
  assert rows[1]['steps'] == 2 * rows[0]['steps'] > 0
  assert all(r['fcd'] > 0 and r['classifier_score'] >= 1 for r in rows)
  assert '| 2 |' in out
  # A later run starts from the 2 epochs trained: measured again, not
  # retrained, after the rows it keeps.
  _run(*args, '--epochs=3')
  again = json.loads((tmp_path / 'convergence.json').read_text())['rows']
  assert [r['epochs'] for r in again] == [1, 2, 3]
  assert again[0] == rows[0]
  assert again[1]['fcd'] == pytest.approx(rows[1]['fcd'], rel=1e-5)


def test_spread_benchmark_measures_every_model(speedup_run):
  workdir, _ = speedup_run
  out = _run('-m', 'benchmarks.spread', '--config=configs/test.py',
             f'--workdir={workdir}', '--forget_class=3')
  run = json.loads((workdir / 'spread.json').read_text())
  assert run['forget_class'] == 3 and run['provenance']['commit']
  rows = run['rows']
  assert [r['model'] for r in rows] == [
      'original', 'retrained/random16-seed0/seed1', 'unlearned/random16-seed0']
  assert all(r['fcd'] > 0 and 0 <= r['forget_class_rate'] <= 1 and
             r['fcd_retained'] > 0 for r in rows)
  # The original's class samples all lie on its own class latents.
  assert rows[0]['on_original_class'] == (1.0 if rows[0]['forget_class_rate']
                                          else None)
  assert all(r['on_original_class'] is None or
             0 <= r['on_original_class'] <= 1 for r in rows)
  # The retrained model is another training: its samples differ.
  assert rows[0]['fcd'] != rows[1]['fcd']
  assert '| class 3 rate |' in out
  assert '| retrained/random16-seed0/seed1 |' in out


def test_distribution_gap_benchmark_compares_each_model_on_three_pairs(
    speedup_run, tmp_path):
  workdir, _ = speedup_run
  out = _run('-m', 'benchmarks.distribution_gap', '--config=configs/test.py',
             f'--workdir={workdir}', '--config.unlearn.request=random:16',
             f'--json_out={tmp_path / "gap.json"}')
  run = json.loads((tmp_path / 'gap.json').read_text())
  assert run['request'] == 'random16-seed0'
  assert [r['model'] for r in run['rows']] == ['original', 'retrained/0']
  for row in run['rows']:
    # The forget set (16), the holdout's evaluation half (1,000 of
    # configs/test.py's 2,000) and the test split, compared pairwise.
    holdout, forget = row['holdout_vs_test'], row['forget_vs_holdout']
    assert forget['n'] == [16, 1000] and holdout['n'][0] == 1000
    assert row['forget_vs_test']['n'] == [16, holdout['n'][1]]
    for pair in (holdout, forget, row['forget_vs_test']):
      low, high = pair['ci95']
      assert low <= pair['auc'] <= high
  assert '| retrained/0 |' in out and 'forget vs holdout (16/1000)' in out


def _recorded_run(path, **fields):
  """A recorded run of the speed-up workdir's request whose retrained FCD
  spread holds anything and whose classifier score spread nothing can reach,
  with `fields` (`section.name`) changed in its config."""
  config = importlib.import_module('configs.test').get_config()
  config.train.epochs = config.unlearn.epochs = 1
  config.unlearn.request = 'random:16'
  for field, value in fields.items():
    section, name = field.split('.')
    config[section][name] = value
  path.write_text(json.dumps({
      'config': config.to_dict(),
      'metrics': {'retrained': {'fcd': 1.0, 'classifier_score': 150.0,
                                'canary_rate': 0.0}},
      'retrained_spread': {'fcd': [0.0, 1e9], 'classifier_score': [100, 200],
                           'canary_rate': [0.0, 0.0]}}))
  return path


def test_screen_evaluates_the_unlearned_model_against_recorded_retrains(
    speedup_run, tmp_path):
  workdir = tmp_path / 'work'  # The fixture's workdir stays as it was.
  shutil.copytree(speedup_run[0], workdir)
  args = ('-m', 'benchmarks.screen', '--config=configs/test.py',
          f'--workdir={workdir}', '--config.train.epochs=1',
          '--config.unlearn.request=random:16', '--config.unlearn.stop=epochs',
          '--config.unlearn.epochs=1',
          "--config.evaluation.evaluators=('sample_quality',)")
  # Other unlearning seeds and step size: the recorded retrains still serve.
  out = _run(*args, '--seeds=3,4', '--config.unlearn.learning_rate=3e-4',
             f'--against={_recorded_run(tmp_path / "report.json")}',
             f'--json_out={tmp_path / "screen.json"}')
  screen = json.loads((tmp_path / 'screen.json').read_text())
  assert screen == json.loads((workdir / 'screen.json').read_text())
  assert screen['seeds'] == [3, 4] and screen['num_retrained'] == 1
  assert [r['steps'] for r in screen['unlearning']] == [1, 1]
  # What sample_quality measures, beside the spread; nothing else.
  rows = {r['metric']: r for r in screen['rows']}
  assert set(rows) == {'fcd', 'classifier_score'}
  assert rows['fcd']['where'] == ['within', 'within']
  assert rows['classifier_score']['where'] == ['below', 'below']
  # Two unlearnings with different seeds: two different models.
  assert rows['fcd']['unlearned'][0] != rows['fcd']['unlearned'][1]
  assert '| metric | seed 3 | seed 4 | retrained mean [min, max] |' in out
  assert '(below) |' in out and '- seed 4: 1 step' in out
  # Retrained models of other data do not serve: refused, the field named,
  # before anything is unlearned.
  (workdir / 'screen.json').unlink()
  other = _recorded_run(tmp_path / 'other.json', **{'data.train_size': 1024})
  result = subprocess.run(
      [sys.executable, *args, f'--against={other}'],
      cwd=ROOT, env=subprocess_env(), capture_output=True, text=True,
      timeout=900)
  assert result.returncode != 0
  assert 'data.train_size (here 2048, there 1024)' in result.stderr
  assert not (workdir / 'screen.json').exists()
