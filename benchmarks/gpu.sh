#!/usr/bin/env bash
# The headline experiments on one accelerator: the converged MNIST defaults
# and the base-64 CIFAR-10 configs, each dataset's item request and then its
# class request in one workdir (the class run reuses the original and C),
# with RETRAINS retrained models trained side by side (retrain.vmapped). Each
# report.json goes to $RESULTS/<config>-gpu/; the summary table is printed
# last, after the step table (benchmarks.steps, its JSON to
# $RESULTS/benchmarks/steps-gpu.json; STEPS=0 skips it). Installs
# nothing; the data sets must be prepared in $TFDS_DATA_DIR.
#
#   GAN_UNLEARN_COMMIT=$(git rev-parse HEAD) bash benchmarks/gpu.sh [RESULTS]
#
# RESULTS defaults to results/; extra config flags come from $FLAGS, and the
# pairs of configs from $PAIRS (the tests run the tiny `test:test_class`).
set -euo pipefail
cd "$(dirname "$0")/.."
RESULTS=$(mkdir -p "${1:-results}" && cd "${1:-results}" && pwd)
WORK=${GPU_WORKDIR:-/tmp/gan_unlearn_gpu}
PAIRS=${PAIRS:-mnist_item:mnist_class cifar10_item_base64:cifar10_class_base64}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
if [ "${STEPS:-1}" = 1 ]; then  # The step table first (about a minute).
  mkdir -p "$RESULTS/benchmarks"
  python3 -m benchmarks.steps --configs=mnist_item,cifar10_item_base64 \
    --batch_sizes=64,256 --steps=100 --models=5 \
    --json_out="$RESULTS/benchmarks/steps-gpu.json"
fi
for pair in $PAIRS; do
  for config in ${pair/:/ }; do
    start=$SECONDS
    # shellcheck disable=SC2086  # FLAGS holds several flags.
    python3 -m gan_unlearn_jax.main --config="configs/$config.py" \
      --workdir="$WORK/${pair%%:*}" --config.retrain.vmapped=True \
      --config.retrain.num_models="${RETRAINS:-3}" ${FLAGS:-}
    mkdir -p "$RESULTS/$config-gpu"
    cp "$WORK/${pair%%:*}/report.json" "$RESULTS/$config-gpu/"
    echo "$config: $((SECONDS - start)) s"
  done
done
python3 -c "import pathlib, sys; from benchmarks import tables
print(tables.summary_table(tables.load_reports(pathlib.Path(sys.argv[1]))))" \
  "$RESULTS"
