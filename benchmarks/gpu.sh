#!/usr/bin/env bash
# GPU checks in one script, for a machine with CUDA and a CUDA build of torch:
# the tests that need CUDA (skipped elsewhere), then the FashionMNIST benchmark
# on the GPU with the paper's Adam protocol timed per epoch. Budget: < 5 minutes.
# FashionMNIST: Debian's dataset-fashion-mnist, or SKDISTILL_DATA pointing at the
# four IDX files.
set -euo pipefail
cd "$(dirname "$0")/.."
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device')"
python -m pip install -q -e ".[test]"
python -m pytest -q -p no:cacheprovider -k "cuda or device" tests/
python benchmarks/bench_classifier.py --repeats 3 --max-iter 100 60 --device cuda --adam-epochs 3
