"""`configs/test.py` with a class request (forget the digit 7)."""

from configs import test


def get_config():
  config = test.get_config()
  config.unlearn.num_random = 0
  config.unlearn.forget_class = 7
  return config
