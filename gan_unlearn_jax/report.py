"""The experiment report: `report.json`, `report.md` and PNG pictures.

`report.json` has the shape other tools read: `{"provenance" (command,
commit, date, hardware), "request", "config", "holdout", "timings_s",
"speedup", "speedup_with_classifier", "num_samples", "feature_extractor",
"classifier_test_accuracy", "training", "unlearning", "metrics": {model:
{name: value}}, "retrained_spread", "position", "membership_gaps",
"missing"}`.
`metrics.retrained` is the mean over the `retrain.num_models` retrained
models (`metrics.retrained_models` each of them), the gold standard;
`retrained_spread` their [min, max], `position` where each other model lies
against that spread, and `membership_gaps` each model's AUC minus the
retrained models' mean AUC with a paired bootstrap interval.
`report.md` shows the same as tables.
"""

import datetime
import os
import platform
import subprocess
import sys
from typing import Any, Optional

import jax
import ml_collections
import numpy as np

from gan_unlearn_jax import metrics as metrics_lib
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import pictures
from gan_unlearn_jax.evaluators import base

MODELS = ('original', 'unlearned', 'retrained', 'finetuned')
# The models of the sample grids, left to right (the first retrained model
# stands for all K).
PICTURED = ('original', 'unlearned', 'retrained/0', 'finetuned')
FEATURE_EXTRACTOR = ('penultimate layer of the classifier C '
                     '(checkpoints/classifier)')
SAMPLES_PNG, NEAREST_PNG, MEMBERSHIP_PNG = (pictures.SAMPLES_PNG,
                                            pictures.NEAREST_PNG,
                                            pictures.MEMBERSHIP_PNG)


def speedup(timings: dict[str, float],
            unlearning: Optional[dict]) -> dict[str, Optional[float]]:
  """The retrain's seconds (the mean of the retrains timed) over the
  unlearning's (checks, precomputation and saving included), and the same
  with `C`'s training counted once on the unlearning's side: `C` is a cost
  unlearning has and retraining has not. None when the unlearning took no
  step: a request that needs none is no speed-up."""
  retrains = [v for k, v in timings.items() if k.startswith('retrain_')]
  retrain, unlearn = (np.mean(retrains) if retrains else None,
                      timings.get('unlearn'))
  if not (retrain and unlearn and unlearning and unlearning['steps']):
    return {'speedup': None, 'speedup_with_classifier': None}
  classifier = timings.get('classifier')
  return {'speedup': retrain / unlearn,
          'speedup_with_classifier': (retrain / (unlearn + classifier)
                                      if classifier else None)}


def _numbers(metrics: dict[str, Any]) -> dict[str, float]:
  return {k: v for k, v in _flatten(metrics).items()
          if isinstance(v, (int, float)) and not isinstance(v, bool)}


def retrained_distribution(models: list[dict[str, Any]]):
  """(mean, {metric: [min, max]}) of the numbers every retrained model has."""
  numbers = [_numbers(m) for m in models]
  keys = [k for k in numbers[0] if all(k in n for n in numbers)]
  mean = {k: float(np.mean([n[k] for n in numbers])) for k in keys}
  spread = {k: [float(min(n[k] for n in numbers)),
                float(max(n[k] for n in numbers))] for k in keys}
  return mean, spread


def position(metrics: dict[str, Any], spread: dict[str, list]) -> dict:
  """Where each number of a model lies against the retrained spread."""
  where = lambda v, low, high: ('below' if v < low else
                                'above' if v > high else 'within')
  return {k: where(v, *spread[k]) for k, v in _numbers(metrics).items()
          if k in spread}


def _git(*args: str) -> Optional[str]:
  try:
    return subprocess.run(
        ['git', *args], cwd=os.path.dirname(os.path.abspath(__file__)),
        capture_output=True, text=True, timeout=10, check=True).stdout.strip()
  except (OSError, subprocess.SubprocessError):
    return None  # Not a git checkout.


def _cpu() -> str:
  try:
    with open('/proc/cpuinfo') as f:
      for line in f:
        if line.startswith('model name'):
          return line.split(':', 1)[1].strip()
  except OSError:
    pass
  return platform.processor() or platform.machine()


def _command() -> str:
  """This process's command line, a module run as `python -m <module>`."""
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  script, *args = sys.argv
  relative = os.path.relpath(os.path.abspath(script), root)
  if relative.endswith('.py') and not relative.startswith('..'):
    script = '-m ' + relative[:-len('.py')].replace(os.sep, '.')
  return ' '.join(['python', script, *args])


def provenance() -> dict[str, Any]:
  """What produced a report: command, code, date, hardware, software.

  A copy of the code without git (an exported tree) names its commit in
  `GAN_UNLEARN_COMMIT`."""
  commit = _git('rev-parse', 'HEAD')
  if commit and _git('status', '--porcelain', '--untracked-files=no'):
    commit += '+uncommitted changes'
  commit = commit or os.environ.get('GAN_UNLEARN_COMMIT')
  return {'command': _command(),
          'commit': commit,
          'date': datetime.datetime.now(datetime.timezone.utc).isoformat(
              timespec='seconds'),
          'hardware': {'devices': f'{jax.device_count()} x '
                                  f'{jax.devices()[0].device_kind}',
                       'backend': jax.default_backend(),
                       'cpu': f'{_cpu()}, {os.cpu_count()} cores'},
          'jax': jax.__version__}


def build(config: ml_collections.ConfigDict, request_json: dict,
          holdout: dict[str, int], timings: dict[str, float],
          training: dict[str, int], unlearning: Optional[dict],
          metrics: dict[str, dict], gaps: dict[str, dict],
          missing: dict[str, str],
          classifier_accuracy: Optional[float] = None) -> dict[str, Any]:
  """The report's JSON. `metrics` has a dict per evaluated model (retrained
  ones as `retrained/<k>`); `unlearning` is the unlearned model's
  record.json; `gaps` are `membership_gaps`; `classifier_accuracy` is `C`'s
  test accuracy."""
  retrained = [m for name, m in metrics.items()
               if name.startswith('retrained/')]
  metrics = {name: m for name, m in metrics.items()
             if not name.startswith('retrained/')}
  spread = {}
  if retrained:
    metrics['retrained'], spread = retrained_distribution(retrained)
    metrics['retrained_models'] = retrained
  return {'provenance': provenance(),
          'request': request_json, 'config': config.to_dict(),
          'holdout': holdout, 'timings_s': timings,
          **speedup(timings, unlearning),
          'num_samples': config.evaluation.num_samples,
          'feature_extractor': FEATURE_EXTRACTOR,
          'classifier_test_accuracy': classifier_accuracy,
          'training': training,
          'unlearning': unlearning, 'metrics': metrics,
          'retrained_spread': spread,
          'position': {m: position(metrics[m], spread) for m in MODELS
                       if m in metrics and m != 'retrained' and spread},
          'membership_gaps': gaps, 'missing': missing}


def membership_gaps(scores: dict[str, dict[str, tuple]]) -> dict:
  """{model: {attack: {gap, ci95}}}: each model's AUC minus the mean AUC of
  the retrained models (`scores` keys `retrained/<k>`), paired."""
  references = [s for name, s in scores.items()
                if name.startswith('retrained/')]
  if not references:
    return {}
  return {model: {attack: metrics_lib.paired_auc_difference(
      pair, [reference[attack] for reference in references])
                  for attack, pair in attacks.items()}
          for model, attacks in scores.items()
          if not model.startswith('retrained/')}


def _flatten(metrics: dict[str, Any]) -> dict[str, Any]:
  """`{'fcd_per_class': {'0': x}}` -> `{'fcd_per_class/0': x}`."""
  flat = {}
  for key, value in metrics.items():
    if isinstance(value, dict):
      flat.update({f'{key}/{k}': v for k, v in value.items()})
    else:
      flat[key] = value
  return flat


def _cell(value) -> str:
  if value is None:
    return '-'
  if isinstance(value, (list, tuple)):
    return '[' + ', '.join(_cell(v) for v in value) + ']'
  if isinstance(value, float):
    return f'{value:.4g}' if abs(value) < 1e4 else f'{value:.0f}'
  return str(value)


def _gap(value, reference) -> str:
  if isinstance(value, (int, float)) and isinstance(reference, (int, float)):
    return f'{value - reference:+.3g}'
  return ''


def _unlearning_line(unlearning: Optional[dict]) -> str:
  if not unlearning:
    return 'not run'
  if unlearning['no_step_needed']:
    verdict = 'no step needed (the original is inside the stop band)'
  elif unlearning['overshoot']:
    verdict = (f"overshot the stop band after {unlearning['steps_run']} "
               f"steps; kept the state after {unlearning['steps']}")
  elif unlearning['in_band']:
    verdict = f"{unlearning['steps']} steps, inside the stop band"
  else:
    verdict = f"{unlearning['steps']} steps, all epochs run"
  if 'stop_auc' not in unlearning:
    return verdict
  low, high = unlearning['stop_auc_ci95']
  band_low, band_high = unlearning['forget_auc_band']
  return (f"{verdict}; probe AUC {unlearning['stop_auc']:.3f} [{low:.3f}, "
          f"{high:.3f}], band [{band_low:.3f}, {band_high:.3f}]")


def markdown(report: dict[str, Any]) -> str:
  """`report.md`: the request, the set-up, and tables of every metric."""
  request, training = report['request'], report['training']
  models = [m for m in MODELS if m in report['metrics']]
  flat = {m: _flatten(report['metrics'][m]) for m in models}
  keys = list(dict.fromkeys(k for m in models for k in flat[m]))
  spread = report['retrained_spread']
  num_retrained = len(report['metrics'].get('retrained_models', []))
  header = ['metric', *models, *(['retrained min', 'retrained max']
                                 if spread else [])]
  holdout = report['holdout']
  speed = lambda key: (f'{report[key]:.1f}x' if report[key] else 'n/a')
  lines = [
      f"# Unlearning report: {request['kind']} request `{request['name']}`",
      '',
      f"- forget set: {request['num_forget']} training images"
      + (f", class {request['forget_class']}" if request['forget_class']
         is not None else '')
      + (f", the marked canaries (each shown "
         f"{report['config']['data']['canary_repeats']}x per epoch)"
         if request.get('canaries') else ''),
      f"- original: {training['epochs']} epochs, {training['steps']} steps "
      f"on {training['examples']} {report['config']['data']['name']} images",
      f"- holdout slice (non-members, never trained on): {holdout['size']} "
      f"training-split images, {holdout['probe']} for the stop rule, "
      f"{holdout['evaluation']} for the evaluation",
      f"- retrained: {num_retrained} models with distinct seeds (the column "
      '`retrained` is their mean)',
      f"- {report['num_samples']} generated samples per model (same latents); "
      f"features: {report['feature_extractor']}"
      + (f" (test accuracy {report['classifier_test_accuracy']:.1%})"
         if report.get('classifier_test_accuracy') is not None else ''),
      '- unlearning: ' + _unlearning_line(report['unlearning']),
      '- timings (s): ' + ', '.join(
          f'{k} {v:.1f}' for k, v in sorted(report['timings_s'].items())),
      f"- speed-up (retrain s / unlearn s): {speed('speedup')}; with C's "
      f"training counted: {speed('speedup_with_classifier')}",
      '', '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
  for key in keys:
    row = [key, *(_cell(flat[m].get(key)) for m in models),
           *(_cell(v) for v in spread.get(key, [None, None]) if spread)]
    lines.append('| ' + ' | '.join(row) + ' |')
  if report['membership_gaps']:
    lines += ['', 'Membership AUC minus the retrained models\' mean, with a '
              'paired bootstrap 95% interval:', '',
              '| model | ' + ' | '.join(next(iter(
                  report['membership_gaps'].values()))) + ' |']
    lines.append('|---' * (1 + len(next(iter(
        report['membership_gaps'].values())))) + '|')
    for model, gaps in report['membership_gaps'].items():
      lines.append(f'| {model} | ' + ' | '.join(
          f"{g['gap']:+.3f} [{g['ci95'][0]:+.3f}, {g['ci95'][1]:+.3f}]"
          for g in gaps.values()) + ' |')
  lines += ['', *(f'- not evaluated: {m}: {why}'
                  for m, why in report['missing'].items())]
  pictured = [m for m in PICTURED if m.split('/')[0] in report['metrics']]
  lines += ['', f'Pictures: `{SAMPLES_PNG}` (8x8 samples from the same latents,'
            f" left to right: {', '.join(pictured)}), `{NEAREST_PNG}` (top "
            'row: the first 8 forget images; below, each model\'s nearest '
            f"sample, in the same order), `{MEMBERSHIP_PNG}` (membership "
            'scores of the forget images and of the holdout\'s).', '']
  return '\n'.join(lines)


def write(workdir: str, report: dict[str, Any], models: dict[str, base.Model],
          context: base.Context, evaluator_names) -> None:
  """Writes `report.json`, `report.md` and the pictures (process 0 only)."""
  if jax.process_index() != 0:
    return
  monitoring.write_json(os.path.join(workdir, 'report.json'), report)
  with open(os.path.join(workdir, 'report.md'), 'w') as f:
    f.write(markdown(report))
  pictures.write(workdir, {m: models[m] for m in PICTURED if m in models},
                 context, evaluator_names)
