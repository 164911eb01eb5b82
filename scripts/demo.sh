#!/usr/bin/env bash
# Set up, then pitch-track the bundled example with the 'small' model:
# writes output/sung_phrase.csv (time, frequency, periodicity) and
# output/sung_phrase.png (the pitch over the spectrogram).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh plot
.venv/bin/python -m torchcrepe --model small --decoder weighted_viterbi \
  --audio_files examples/sung_phrase.wav \
  --output_files output/sung_phrase.csv --plot output/sung_phrase.png
echo "wrote output/sung_phrase.csv and output/sung_phrase.png"
