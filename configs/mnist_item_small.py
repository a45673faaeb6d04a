"""MNIST item unlearning in the memorisation setting (docs/method.md).

A GAN trained on 60,000 images for a few epochs barely memorises 64 random
ones, so unlearning them mostly tests that nothing is over-unlearned. Here the
training set is small (1,024 images) and trained long (200 epochs, 3,200
steps), so the original discriminator knows its 64 forget images measurably
better than held-out digits, and the retrained one does not.

  python -m gan_unlearn_jax.main --config=configs/mnist_item_small.py --workdir=W

About 45 minutes on a 2-core CPU before the evaluation (each stage's seconds
are on docs/results.md, "mnist_item_small"); not yet measured on a GPU. What
its recorded run shows (with the original's Adam moments, the default before
unlearn.fresh_optimizer): three cascaded steps bring D's white-box membership
of the forget set to the retrained level, and D's knowledge of the remaining
set down with it (docs/results.md).
"""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'mnist'
  config.data.train_size = 1024
  config.train.epochs = 200
  config.train.log_every = 200
  # Five retrained models (minutes each here): the retrained distribution.
  config.retrain.num_models = 5
  return config
