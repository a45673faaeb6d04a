r"""The reference for `steps.py`: the same DCGAN step in PyTorch on this CPU.

  pip install torch && python -m benchmarks.pytorch_dcgan [--steps=60]

The MNIST models of `configs/mnist_item.py` (base width 64, latent 100) as
the PyTorch DCGAN writes them: `ConvTranspose2d(4, 2, 1)` in G, strided
`Conv2d(4, 2, 1)` in D, BatchNorm, Adam(2e-4, betas (0.5, 0.999)), BCE; one
step is a D update on a real and a generated batch, then a G update through
the updated D, on the same generated images. Prints steps/s (the median of
`--rounds` rounds) at batch 64 on synthetic images, with torch's thread count.
"""

import argparse
import statistics
import time

import torch
from torch import nn


def generator(latent_dim: int = 100, width: int = 64) -> nn.Module:
  return nn.Sequential(
      nn.Linear(latent_dim, 7 * 7 * 2 * width, bias=False),
      nn.Unflatten(1, (2 * width, 7, 7)), nn.BatchNorm2d(2 * width), nn.ReLU(),
      nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),
      nn.BatchNorm2d(width), nn.ReLU(),
      nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh())


def discriminator(width: int = 64) -> nn.Module:
  return nn.Sequential(
      nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2),
      nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False),
      nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
      nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1))


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument('--steps', type=int, default=60)
  parser.add_argument('--rounds', type=int, default=6)
  parser.add_argument('--batch_size', type=int, default=64)
  args = parser.parse_args()
  torch.manual_seed(0)
  g, d = generator(), discriminator()
  g_opt = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
  d_opt = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
  bce = nn.BCEWithLogitsLoss()
  real = torch.rand(args.batch_size, 1, 28, 28) * 2 - 1
  ones, zeros = torch.ones(args.batch_size), torch.zeros(args.batch_size)

  def step():
    fake = g(torch.randn(args.batch_size, 100))
    d_opt.zero_grad()
    d_loss = (bce(d(real).squeeze(1), ones) +
              bce(d(fake.detach()).squeeze(1), zeros))
    d_loss.backward()
    d_opt.step()
    g_opt.zero_grad()
    bce(d(fake).squeeze(1), ones).backward()
    g_opt.step()

  step()  # Warm-up.
  rates = []
  per_round = max(1, args.steps // args.rounds)
  for _ in range(args.rounds):
    start = time.perf_counter()
    for _ in range(per_round):
      step()
    rates.append(per_round / (time.perf_counter() - start))
  print(f'PyTorch {torch.__version__}, {torch.get_num_threads()} threads: '
        f'DCGAN step (MNIST, base 64) at batch {args.batch_size}: '
        f'{statistics.median(rates):.2f} steps/s (median of {args.rounds} '
        f'rounds of {per_round}; range {min(rates):.2f}-{max(rates):.2f})')


if __name__ == '__main__':
  main()
