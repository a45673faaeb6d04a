"""CIFAR-10, class unlearning."""

from configs import cifar10_item


def get_config():
  config = cifar10_item.get_config()  # The same GAN, trained as long.
  config.unlearn.request = 'class:cat'
  # D must learn to reject the class: as configs/mnist_class.py, where `zero`
  # forgot the class fastest (not measured on CIFAR-10).
  config.unlearn.fake_label = 'zero'
  # A class check draws 512 samples through G and C: every 5 steps.
  config.unlearn.check_every = 5
  return config
