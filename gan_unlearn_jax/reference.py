"""The reference GAN of the calibrated attacks (`checkpoints/reference`).

A GAN of the original's kind, trained as many steps, on the holdout's probe
half: images that neither are members nor serve as the evaluation's
non-members. What it reconstructs well, any generator does
(`evaluators/reconstruction_calibrated.py`).
"""

from absl import logging
import jax
import ml_collections

from gan_unlearn_jax import evaluators
from gan_unlearn_jax import gan
from gan_unlearn_jax import heldout
from gan_unlearn_jax import rngs
from gan_unlearn_jax import train
from gan_unlearn_jax.errors import UserError

NAME = 'reference'


def check(config: ml_collections.ConfigDict, holdout: heldout.Holdout) -> None:
  """The probe half must hold a batch, and cannot also give the non-members."""
  if config.evaluation.nonmembers == 'probe':
    raise UserError(
        'config.evaluation.nonmembers=probe: the calibrated attacks\' '
        'reference GAN trains on the probe half, so it cannot also give the '
        'non-members; drop the calibrated evaluators or use the evaluation '
        'half.')
  if len(holdout.probe_ids) < config.train.batch_size:
    raise UserError(
        f'config.data.holdout_size={config.data.holdout_size}: the reference '
        f'GAN trains on the probe half ({len(holdout.probe_ids)} images), '
        f'less than a batch (train.batch_size={config.train.batch_size}).')


def needed(config: ml_collections.ConfigDict) -> bool:
  """Whether the run trains or reads the reference: `--config.mode=reference`
  or a named evaluator that needs it."""
  return config.mode == NAME or evaluators.need_reference(
      config.evaluation.evaluators)


def train_reference(config: ml_collections.ConfigDict, workdir: str,
                    images: jax.Array, holdout: heldout.Holdout, steps: int):
  """Trains the reference for `steps` on the probe half, with a seed that is
  never the original's or a retrain's (those are `seed + k`, k >= 0)."""
  config = config.copy_and_resolve_references()
  config.seed = -(config.seed + 1)
  logging.info('Training the reference GAN on %d probe images.',
               len(holdout.probe_ids))
  states = gan.create_train_states(config, rngs.key(config.seed, 'init'))
  return train.fit(config, workdir, NAME, states, images, holdout.probe_ids,
                   steps)
