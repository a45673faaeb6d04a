"""MNIST, item unlearning: the converged default (forget 64 random images).

  python -m gan_unlearn_jax.main --config=configs/mnist_item.py --workdir=W

The GAN trains 38 epochs over the 54,000 images outside the holdout (32,034
steps). A convergence study on a 2-core CPU (benchmarks.convergence, whose
JSON was not kept; a rerun goes to docs/performance.md) measured 171-208 s for
an epoch of 60,000 images: the original and each retrained model take one to
two hours there, and a whole run with one retrained model about four and a
half (the sum of its stages; not run end to end under the current protocol).
On one H200 an earlier benchmarks.steps ran the GAN step at 777 steps/s, about
a minute a training; `bash benchmarks/gpu.sh` runs this config there (not yet
run). No run is recorded under the current evaluation protocol yet:
results/mnist_item/ and docs/results.md get it when one is.
"""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'mnist'
  # Trained to convergence: in the study above the FCD of its samples first
  # fell by at most 3% over three epochs from epoch 34, and was no lower at 38.
  # One to two hours on a 2-core CPU; --config.train.epochs=5 for a quick,
  # unconverged run.
  config.train.epochs = 38
  return config
