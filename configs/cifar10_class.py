"""CIFAR-10, class unlearning."""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'cifar10'
  config.train.epochs = 30
  config.unlearn.num_random = 0
  config.unlearn.forget_class = 'cat'
  return config
