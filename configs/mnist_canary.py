"""MNIST, the canary audit (docs/method.md): forget 64 marked, repeated digits.

4,096 training images, 64 of them marked with a corner checkerboard and each
shown 8 times per epoch (512 of the 4,544 images an epoch walks through),
40 epochs. The retrained model never sees a mark, so its canary rate is 0;
the original draws marks, and its D knows the canaries better than marked
held-out digits. The forget request is the canaries.

  python -m gan_unlearn_jax.main --config=configs/mnist_canary.py --workdir=W

About 1.5 hours on a 2-core CPU before the evaluation (each stage's seconds
are on docs/results.md, "mnist_canary"); not yet measured on a GPU. What it
shows: G forgets the canaries (no sample shows the mark); D does not, its
white-box AUC stays well above the retrained models' (docs/results.md). The
`matched` fake label halves D's gap but leaves the mark in some samples
(docs/method.md, "The canary audit").
"""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'mnist'
  config.data.train_size = 4096
  config.data.canaries = 64
  config.data.canary_repeats = 8
  config.train.epochs = 40
  config.unlearn.request = 'canaries'
  config.unlearn.epochs = 300  # One step per pass over 64 canaries.
  # A canary check draws 512 samples through G: every 5 steps.
  config.unlearn.check_every = 5
  # Match substitutes in pixels: C's features hardly see the corner mark, the
  # pixels do, so the substitution latents are the ones that draw it.
  config.substitution.distance = 'pixel'
  # Five retrained models (minutes each here): the retrained distribution.
  config.retrain.num_models = 5
  return config
