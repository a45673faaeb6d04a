"""The reconstruction attack calibrated by a reference generator (GAN-Leaks).

Some images are easy for any generator to reconstruct (a thin 1), some hard;
the raw reconstruction error ranks images by that as much as by membership.
The calibrated score is the reference generator's error minus the model's:
how much better the model reconstructs an image than a GAN of the same kind,
trained as long, that never saw it. The reference trains on the holdout's
probe half (`checkpoints/reference`, `--config.mode=reference`; `all` trains
it when this evaluator is named), which holds neither the members nor the
evaluation half's non-members. Same images, starts and steps as
`reconstruction.py`, whose per-model errors it reuses.
"""

from typing import Any

import numpy as np

from gan_unlearn_jax.evaluators import base
from gan_unlearn_jax.evaluators import reconstruction

NEEDS_REFERENCE = True


def attack_scores(context: base.Context, model: base.Model
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
  """{`reconstruction_calibrated` and `..._remaining`: (member scores,
  non-member scores)}; each score is minus the model's error plus the
  reference's."""
  scores = reconstruction.attack_scores(context, model)
  reference = reconstruction.attack_scores(context, context.reference_model)
  return {attack.replace('reconstruction', 'reconstruction_calibrated'):
              tuple(s - r for s, r in zip(scores[attack], reference[attack]))
          for attack in scores}


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  return base.membership_results(attack_scores(context, model))
