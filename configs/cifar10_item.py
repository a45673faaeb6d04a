"""CIFAR-10, item unlearning at full size: base width 64, 30 epochs.

  python -m gan_unlearn_jax.main --config=configs/cifar10_item.py --workdir=W

Sized for an accelerator: one H200 ran its GAN step at 488 steps/s at batch
64 (an earlier benchmarks.steps, before its JSON was kept), so a 30-epoch
training is about a minute there, and
`bash benchmarks/gpu.sh` runs the whole experiment (not yet run). On a 2-core
CPU use configs/cifar10_item_reduced.py. No run is recorded under the current
evaluation protocol yet (results/cifar10_item/ when one is).
"""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'cifar10'
  config.train.epochs = 30
  config.classifier.widths = (32, 64, 128)  # Three conv + pool stages.
  config.classifier.feature_dim = 256
  config.classifier.epochs = 5
  return config
