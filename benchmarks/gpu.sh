#!/usr/bin/env bash
# The step benchmark on a GPU machine (uses what is installed; needs no data).
set -euo pipefail
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 benchmarks/train_step.py --configs=mnist_item,cifar10_item \
  --batch_sizes=64,256 --steps=200 "$@"
