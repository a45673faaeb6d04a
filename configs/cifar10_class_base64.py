"""CIFAR-10, class unlearning (`cat`) at full width, for accelerators.

  python -m gan_unlearn_jax.main --config=configs/cifar10_class_base64.py --workdir=W

configs/cifar10_class.py with the GAN and `C` of
configs/cifar10_item_base64.py; `bash benchmarks/gpu.sh` runs it after that
config, in the same workdir (not yet run).
"""

from configs import cifar10_class
from configs import cifar10_item_base64


def get_config():
  return cifar10_class.class_request(cifar10_item_base64.get_config())
