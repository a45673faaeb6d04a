"""MNIST item unlearning in the memorisation setting (docs/method.md).

A GAN trained on 60,000 images for a few epochs barely memorises 64 random
ones, so unlearning them mostly tests that nothing is over-unlearned. Here the
training set is small (1,024 images) and trained long (200 epochs, 3,200
steps), so the original discriminator knows its 64 forget images measurably
better than held-out digits, and the retrained one does not.

  python -m gan_unlearn_jax.main --config=configs/mnist_item_small.py --workdir=W

The recorded run (docs/results.md, "mnist_item_small"), one uninterrupted
run on an idle 2-core AMD EPYC CPU, 70 min in all: the original 397 s, C
343 s, the unlearning 13 s (11 steps), each retrain 342-375 s, so 29x faster
than a retrain; the evaluation about 27 minutes. Not yet measured on a GPU.
What it shows: a few cascaded steps bring D's white-box membership of the
forget set to the retrained models' level (0.50 against their 0.43-0.49),
leave its knowledge of the remaining set inside their spread, keep the KID
inside it, and leave D telling remaining images from G's samples (AUC 0.975
against their 0.964-0.994); the fine-tuned original keeps the forget set
known (0.86).
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
