"""CIFAR-10, class unlearning: the CPU-sized GAN forgets the class `cat`.

  python -m gan_unlearn_jax.main --config=configs/cifar10_class.py --workdir=W

The GAN and `C` of configs/cifar10_item.py (a workdir that holds its
original and `C` reuses them); configs/cifar10_class_base64.py is the
accelerator config. No run is recorded yet (results/cifar10_class/ when one
is).
"""

import ml_collections

from configs import cifar10_item


def get_config():
  return class_request(cifar10_item.get_config())  # The same GAN and C.


def class_request(config: ml_collections.ConfigDict
                  ) -> ml_collections.ConfigDict:
  """`config` forgetting the class `cat`."""
  config.unlearn.request = 'class:cat'
  # D must learn to reject the class: as configs/mnist_class.py, where `zero`
  # forgot the class fastest (not measured on CIFAR-10).
  config.unlearn.fake_label = 'zero'
  # A class check draws 512 samples through G and C: every 5 steps.
  config.unlearn.check_every = 5
  return config
