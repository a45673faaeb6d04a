"""The experiment report: `report.json`, `report.md` and PNG pictures.

`report.json` has the shape other tools read:
`{"request", "config", "timings_s", "speedup", "num_samples",
"feature_extractor", "training", "metrics": {model: {name: value}}}`.
`report.md` shows the same as a table, with each model's gap to the
retrained one (the gold standard).
"""

import os
from typing import Any, Optional

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from gan_unlearn_jax import metrics as metrics_lib
from gan_unlearn_jax import monitoring
from gan_unlearn_jax.evaluators import base
from gan_unlearn_jax.evaluators import membership

MODELS = ('original', 'unlearned', 'retrained', 'finetuned')
FEATURE_EXTRACTOR = ('penultimate layer of the classifier C '
                     '(checkpoints/classifier)')
SAMPLES_PNG = 'report_samples.png'
NEAREST_PNG = 'report_nearest.png'
MEMBERSHIP_PNG = 'report_membership.png'


def speedup(timings: dict[str, float]) -> Optional[float]:
  """Retrain seconds / unlearn seconds (precompute included), when both ran."""
  if 'retrain' in timings and timings.get('unlearn'):
    return timings['retrain'] / timings['unlearn']
  return None


def build(config: ml_collections.ConfigDict, request_json: dict,
          timings: dict[str, float], training: dict[str, int],
          unlearning: Optional[dict], metrics: dict[str, dict],
          missing: dict[str, str]) -> dict[str, Any]:
  """The report's JSON; `unlearning` is the unlearned model's record.json."""
  return {'request': request_json, 'config': config.to_dict(),
          'timings_s': timings, 'speedup': speedup(timings),
          'num_samples': config.evaluation.num_samples,
          'feature_extractor': FEATURE_EXTRACTOR, 'training': training,
          'unlearning': unlearning, 'metrics': metrics, 'missing': missing}


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


def markdown(report: dict[str, Any]) -> str:
  """`report.md`: the request, the set-up, and one table of every metric."""
  request, training = report['request'], report['training']
  models = [m for m in MODELS if m in report['metrics']]
  flat = {m: _flatten(report['metrics'][m]) for m in models}
  keys = list(dict.fromkeys(k for m in models for k in flat[m]))
  gaps = [m for m in models if m != 'retrained'] if 'retrained' in flat else []
  header = ['metric', *models, *(f'{m} - retrained' for m in gaps)]
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
      f"- {report['num_samples']} generated samples per model (same latents); "
      f"features: {report['feature_extractor']}",
      '- unlearning: ' + (
          f"{report['unlearning']['steps']} steps, "
          + ('stopped by the stop rule' if report['unlearning']['stopped_early']
             else 'all epochs run') if report['unlearning'] else 'not run'),
      '- timings (s): ' + ', '.join(
          f'{k} {v:.1f}' for k, v in sorted(report['timings_s'].items())),
      '- speed-up (retrain s / unlearn s, precompute included): '
      + (f"{report['speedup']:.1f}x" if report['speedup'] else 'n/a'),
      '', '| ' + ' | '.join(header) + ' |',
      '|' + '---|' * len(header)]
  for key in keys:
    row = [key, *(_cell(flat[m].get(key)) for m in models),
           *(_gap(flat[m].get(key), flat['retrained'].get(key)) for m in gaps)]
    lines.append('| ' + ' | '.join(row) + ' |')
  lines += ['', *(f'- not evaluated: {m}: {why}'
                  for m, why in report['missing'].items())]
  lines += ['', f'Pictures: `{SAMPLES_PNG}` (8x8 samples from the same latents,'
            f" left to right: {', '.join(models)}), `{NEAREST_PNG}` (top row:"
            ' the first 8 forget images; below, each model\'s nearest sample, '
            f"in the order {', '.join(models)}), `{MEMBERSHIP_PNG}` "
            '(membership scores of the forget images and of as many held-out '
            'ones).', '']
  return '\n'.join(lines)


def _side_by_side(grids: list[np.ndarray], gap: int = 4) -> np.ndarray:
  height = max(g.shape[0] for g in grids)
  spacer = np.full((height, gap, grids[0].shape[2]), 255, np.uint8)
  padded = [np.pad(g, ((0, height - g.shape[0]), (0, 0), (0, 0)),
                   constant_values=255) for g in grids]
  parts = [p for g in padded for p in (g, spacer)][:-1]
  return np.concatenate(parts, axis=1)


def membership_figure(models: dict[str, base.Model], context: base.Context,
                      path: str) -> None:
  """Histograms of the forget images' and held-out images' scores."""
  # Here only: importing the package should not start matplotlib.
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use('Agg')  # Files only; never a display.
  from matplotlib import pyplot  # pylint: disable=g-import-not-at-top
  attacks = ('whitebox', 'blackbox')
  figure, axes = pyplot.subplots(len(attacks), len(models), squeeze=False,
                                 figsize=(3 * len(models), 5))
  for column, (name, model) in enumerate(models.items()):
    scores = membership.attack_scores(context, model)
    for row, attack in enumerate(attacks):  # Rows: white-box, black-box.
      members, nonmembers = scores[attack]
      ax = axes[row, column]
      bins = np.histogram_bin_edges(np.concatenate([members, nonmembers]), 20)
      ax.hist(nonmembers, bins, alpha=0.6, label='held-out')
      ax.hist(members, bins, alpha=0.6, label='forget')
      ax.set_title(f'{name}: AUC '
                   f'{metrics_lib.roc_auc(members, nonmembers):.2f}',
                   fontsize=9)
      ax.set_xlabel('D score' if attack == 'whitebox'
                    else '- distance to nearest sample', fontsize=8)
      ax.tick_params(labelsize=7)
    axes[0, 0].set_ylabel('white-box (LOGAN)', fontsize=8)
    axes[1, 0].set_ylabel('black-box (GAN-Leaks)', fontsize=8)
  axes[0, 0].legend(fontsize=7)
  figure.tight_layout()
  figure.savefig(path, dpi=100)
  pyplot.close(figure)


def _nearest_samples(model: base.Model, images: jax.Array) -> np.ndarray:
  """The model's sample nearest (L2) to each of `images`."""
  flat = lambda x: x.reshape(x.shape[0], -1)
  nearest = jnp.argmin(metrics_lib.squared_distances(
      flat(images), flat(model.samples)), 1)
  return np.asarray(model.samples[nearest])


def write(workdir: str, report: dict[str, Any], models: dict[str, base.Model],
          context: base.Context, evaluator_names) -> None:
  """Writes `report.json`, `report.md` and the pictures (process 0 only)."""
  if jax.process_index() != 0:
    return
  monitoring.write_json(os.path.join(workdir, 'report.json'), report)
  with open(os.path.join(workdir, 'report.md'), 'w') as f:
    f.write(markdown(report))
  ordered = {m: models[m] for m in MODELS if m in models}
  monitoring.save_png(
      _side_by_side([monitoring.image_grid(m.samples[:64])
                     for m in ordered.values()]),
      os.path.join(workdir, SAMPLES_PNG))
  forget_images = context.train_split.images[context.request.forget_ids[:8]]
  rows = [np.asarray(forget_images)] + [
      _nearest_samples(m, forget_images) for m in ordered.values()]
  monitoring.save_png(monitoring.image_grid(np.concatenate(rows),
                                           columns=len(rows[0])),
                      os.path.join(workdir, NEAREST_PNG))
  if 'membership' in evaluator_names:
    membership_figure(ordered, context, os.path.join(workdir, MEMBERSHIP_PNG))
