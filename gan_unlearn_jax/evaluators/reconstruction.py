"""The reconstruction attack on G (GAN-Leaks, white-box on the generator).

For each image the error of the best latent that a few hundred Adam steps
on `||G(z) - x||^2` find from several random starts, G in inference mode; a
lower error means "more likely a member" (the score is its negative). It is
run on the forget images and the remaining sample against the holdout's
evaluation half, at most `evaluation.reconstruction_max_images` of each
non-member set and of the remaining sample (the attack costs
`starts x steps` passes of G per image).
"""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from gan_unlearn_jax import gan
from gan_unlearn_jax import rngs
from gan_unlearn_jax import sampling
from gan_unlearn_jax.evaluators import base


def reconstruction_errors(g_state, images: jax.Array, starts: int, steps: int,
                          learning_rate: float, rng: jax.Array) -> np.ndarray:
  """The mean squared error of each image's best reconstruction, `[n]`."""
  n = images.shape[0]
  latents = jax.random.normal(rng, (starts * n, gan.latent_size(g_state)))
  targets = jnp.tile(images, (starts, 1, 1, 1))
  latents = sampling.invert(g_state, latents, targets, steps, learning_rate)
  errors = jnp.mean((sampling.generate(g_state, latents) - targets)**2,
                    axis=(1, 2, 3))
  return np.asarray(errors.reshape(starts, n).min(0))


def attack_scores(context: base.Context, model: base.Model
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
  """{`reconstruction`, `reconstruction_remaining`: (member scores,
  non-member scores)}, computed once a model."""
  cfg = context.config.evaluation
  def compute():
    sets = {'reconstruction' + suffix: [x[:cfg.reconstruction_max_images]
                                        for x in images]
            for suffix, images in (
                ('', context.members_and_nonmembers),
                ('_remaining', context.remaining_and_nonmembers))}
    # One call over all the images: one compilation, the same starting
    # latents for every model.
    errors = reconstruction_errors(
        model.g_state, jnp.concatenate([x for xs in sets.values() for x in xs]),
        cfg.reconstruction_starts, cfg.reconstruction_steps,
        cfg.reconstruction_learning_rate, rngs.key(cfg.seed, 'reconstruction'))
    ends = np.cumsum([len(x) for xs in sets.values() for x in xs])
    scores = iter(np.split(-errors, ends[:-1]))
    return {attack: (next(scores), next(scores)) for attack in sets}
  return model.cached('reconstruction_scores', compute)


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  scores = attack_scores(context, model)
  forget_errors = -scores['reconstruction'][0]
  return {**base.membership_results(scores),
          'reconstruction_error_forget': float(forget_errors.mean())}
