"""MNIST, item unlearning."""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'mnist'
  config.train.epochs = 5
  return config
