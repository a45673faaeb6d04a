"""CIFAR-10, class unlearning."""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'cifar10'
  config.train.epochs = 30
  config.classifier.widths = (32, 64, 128)  # Three conv + pool stages.
  config.classifier.feature_dim = 256
  config.classifier.epochs = 5
  config.unlearn.num_random = 0
  config.unlearn.forget_class = 'cat'
  # D must learn to reject the class: as configs/mnist_class.py, where `zero`
  # forgot the class fastest (not measured on CIFAR-10).
  config.unlearn.fake_label = 'zero'
  # A class check draws 512 samples through G and C: every 5 steps.
  config.unlearn.check_every = 5
  return config
