"""The live command line fed in real time: how late its rows arrive.

    python benchmarks/live_pipe.py [--model full] [--seconds 8]

Writes the bundled example (repeated to --seconds) into
`python -m torchcrepe --live - --live_rate 16000 --model MODEL` 10 ms at a
time, each write when its audio would have been recorded, and prints how
long after its frame's centre each row arrived (median, maximum, and the
last row's). A model slower than the audio on small calls still keeps up
when its backlog runs on every thread (network.infer.ready).
"""
import argparse
import os
import subprocess
import sys
import threading
import time

import numpy as np
from scipy.io import wavfile


EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                       'examples', 'sung_phrase.wav')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', default='full')
    parser.add_argument('--seconds', type=float, default=8.)
    args = parser.parse_args()
    rate, audio = wavfile.read(EXAMPLE)
    audio = np.tile(audio, int(args.seconds * rate) // len(audio) + 1)
    audio = audio[:int(args.seconds * rate)].astype('<i2')
    process = subprocess.Popen(
        [sys.executable, '-m', 'torchcrepe', '--live', '-', '--live_rate', str(rate),
         '--model', args.model],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    ready = process.stderr.readline()
    if b'ready' not in ready:
        raise SystemExit(ready.decode() + process.stderr.read().decode())
    process.stdout.readline()  # the header
    rows = []

    def read():
        for line in process.stdout:
            rows.append((time.monotonic(), float(line.split(b',')[0])))

    reader = threading.Thread(target=read)
    reader.start()
    began = time.monotonic()
    step = rate // 100
    for start in range(0, len(audio), step):
        time.sleep(max(0., began + start / rate - time.monotonic()))
        process.stdin.write(audio[start:start + step].tobytes())
    process.stdin.close()
    reader.join()
    process.wait()
    lag = np.array([arrived - began - centre for arrived, centre in rows])
    print(f'{args.model}: {len(rows)} rows; seconds from frame centre to row: '
          f'median {np.median(lag):.2f}, max {lag.max():.2f}, last row {lag[-1]:.2f}')


if __name__ == '__main__':
    main()
