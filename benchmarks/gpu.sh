#!/usr/bin/env bash
# The benchmarks on a GPU machine, within about 8 minutes: the step table, then
# a shortened speed-up table (original trained 1 epoch; MNIST must be prepared
# in $TFDS_DATA_DIR). Installs nothing; prints the tables last.
set -euo pipefail
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -m benchmarks.steps --configs=mnist_item,cifar10_item \
  --batch_sizes=64,256 --steps=200 --json_out=/tmp/steps.json | tee /tmp/steps.md
python3 -m benchmarks.speedup --config=configs/mnist_item.py \
  --workdir="${SPEEDUP_WORKDIR:-/tmp/speedup}" --requests=random:64,random:64:1 \
  --config.train.epochs=1
cat /tmp/steps.md
