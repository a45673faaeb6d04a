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
from configs import default


def get_config():
  return default.canary_audit(cifar10_item.get_config(), repeats=16)
