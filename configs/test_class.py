"""`configs/test.py` with a class request (forget the digit 7)."""

from configs import test


def get_config():
  config = test.get_config()
  config.unlearn.request = 'class:7'
  # D must learn to reject the class: score its images like generated ones.
  # (`heldout` keeps them "real": on configs/test.py it raised the forgotten
  # class's share of samples from 0.18 to 0.38; `generated` lowered it to 0.)
  config.unlearn.fake_label = 'generated'
  return config
