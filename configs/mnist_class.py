"""MNIST, class unlearning."""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'mnist'
  config.train.epochs = 5
  config.unlearn.num_random = 0
  config.unlearn.forget_class = 7
  return config
