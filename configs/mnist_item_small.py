"""MNIST item unlearning in the memorisation setting (docs/method.md).

A GAN trained on 60,000 images for a few epochs barely memorises 64 random
ones, so unlearning them mostly tests that nothing is over-unlearned. Here the
training set is small (1,024 images) and trained long (200 epochs, 3,200
steps), so the original discriminator knows its 64 forget images measurably
better than held-out digits, and the retrained one does not.

  python -m gan_unlearn_jax.main --config=configs/mnist_item_small.py --workdir=W

The recorded run (docs/results.md, "mnist_item_small") shared the 2-core CPU
with other jobs and resumed across sessions, so its seconds are not an idle
run's; at the GAN step rate measured alone there (docs/performance.md, 4.9
steps/s) the original's 3,200 steps take about 11 minutes and each retrain's
3,000 about 10. Not yet measured on a GPU. What its recorded run shows: a few cascaded steps bring D's
white-box membership of the forget set to the retrained models' level, and
leave its knowledge of the remaining set inside their spread; the fine-tuned
original keeps the forget set known.
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
