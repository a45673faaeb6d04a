"""The report's pictures: samples side by side, the nearest samples to the
forget images, and histograms of the membership scores."""

import os

import jax
import jax.numpy as jnp
import numpy as np

from gan_unlearn_jax import evaluators
from gan_unlearn_jax import metrics
from gan_unlearn_jax import monitoring

SAMPLES_PNG = 'report_samples.png'
NEAREST_PNG = 'report_nearest.png'
MEMBERSHIP_PNG = 'report_membership.png'


def _side_by_side(grids: list[np.ndarray], gap: int = 4) -> np.ndarray:
  height = max(g.shape[0] for g in grids)
  spacer = np.full((height, gap, grids[0].shape[2]), 255, np.uint8)
  padded = [np.pad(g, ((0, height - g.shape[0]), (0, 0), (0, 0)),
                   constant_values=255) for g in grids]
  parts = [p for g in padded for p in (g, spacer)][:-1]
  return np.concatenate(parts, axis=1)


def membership_figure(models: dict[str, evaluators.Model],
                      context: evaluators.Context, evaluator_names,
                      path: str) -> None:
  """Histograms of the forget images' and the holdout's scores, a row per
  attack on the forget set."""
  # Here only: importing the package should not start matplotlib.
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use('Agg')  # Files only; never a display.
  from matplotlib import pyplot  # pylint: disable=g-import-not-at-top
  scores = {name: {attack: pair for attack, pair in evaluators.attack_scores(
      context, model, evaluator_names).items()
                   if not attack.endswith('_remaining')}
            for name, model in models.items()}
  attacks = list(next(iter(scores.values())))
  figure, axes = pyplot.subplots(len(attacks), len(models), squeeze=False,
                                 figsize=(3 * len(models), 2.5 * len(attacks)))
  for column, (name, by_attack) in enumerate(scores.items()):
    for row, attack in enumerate(attacks):
      members, nonmembers = by_attack[attack]
      ax = axes[row, column]
      bins = np.histogram_bin_edges(np.concatenate([members, nonmembers]), 20)
      ax.hist(nonmembers, bins, alpha=0.6, density=True, label='holdout')
      ax.hist(members, bins, alpha=0.6, density=True, label='forget')
      ax.set_title(f'{name}: AUC {metrics.roc_auc(members, nonmembers):.2f}',
                   fontsize=9)
      ax.tick_params(labelsize=7)
      if column == 0:
        ax.set_ylabel(attack, fontsize=8)
  axes[0, 0].legend(fontsize=7)
  figure.tight_layout()
  figure.savefig(path, dpi=100)
  pyplot.close(figure)


def _nearest_samples(model: evaluators.Model, images: jax.Array) -> np.ndarray:
  """The model's sample nearest (L2) to each of `images`."""
  flat = lambda x: x.reshape(x.shape[0], -1)
  nearest = jnp.argmin(metrics.squared_distances(
      flat(images), flat(model.samples)), 1)
  return np.asarray(model.samples[nearest])


def write(workdir: str, models: dict[str, evaluators.Model],
          context: evaluators.Context, evaluator_names) -> None:
  """The three pictures of `models`, in their order."""
  monitoring.save_png(
      _side_by_side([monitoring.image_grid(m.samples[:64])
                     for m in models.values()]),
      os.path.join(workdir, SAMPLES_PNG))
  forget_images = context.train_split.images[context.request.forget_ids[:8]]
  rows = [np.asarray(forget_images)] + [
      _nearest_samples(m, forget_images) for m in models.values()]
  monitoring.save_png(monitoring.image_grid(np.concatenate(rows),
                                           columns=len(rows[0])),
                      os.path.join(workdir, NEAREST_PNG))
  if evaluators.attack_scores(context, next(iter(models.values())),
                              evaluator_names):
    membership_figure(models, context, evaluator_names,
                      os.path.join(workdir, MEMBERSHIP_PNG))
