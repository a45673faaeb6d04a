"""CIFAR-10, the canary audit on the full training set: forget 64 marked
images, each shown 16 times per epoch.

  python -m gan_unlearn_jax.main --config=configs/cifar10_canary.py --workdir=W

The GAN and `C` of configs/cifar10_item.py, on its 44,000 images, 64 of
them marked and repeated (1,024 of the 44,960 images an epoch walks
through). As configs/mnist_canary.py: the retrained models never see a mark,
membership is measured against marked holdout images, and the canary rate
says whether G still draws the mark. Not yet run (results/cifar10_canary/
when it is).
"""

from configs import cifar10_item


def get_config():
  config = cifar10_item.get_config()
  config.data.canaries = 64
  config.data.canary_repeats = 16
  config.unlearn.request = 'canaries'
  config.unlearn.epochs = 300  # One step per pass over 64 canaries.
  # A canary check draws 512 samples through G: every 5 steps.
  config.unlearn.check_every = 5
  # As on MNIST: pixels see the corner mark, C's features hardly do.
  config.substitution.distance = 'pixel'
  return config
