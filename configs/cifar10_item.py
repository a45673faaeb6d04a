"""CIFAR-10, item unlearning."""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'cifar10'
  config.train.epochs = 30
  return config
