"""Live mode: python -m torchcrepe --live - --live_rate RATE

Reads 16-bit little-endian mono PCM from standard input (`--live -`, so
that arecord, ffmpeg or sox can pipe a microphone in) or records the
default microphone (`--live mic`, with the optional sounddevice package),
and prints `time,frequency,periodicity` rows, as the .csv outputs write
them, each flushed as soon as its frame is final (torchcrepe.live.Tracker
does the tracking).
"""
import dataclasses
import os
import queue
import sys

import numpy as np

from .. import checks, files
from ..constants import SAMPLE_RATE
from ..live import Tracker, checked_max_delay
from ..utils import ParameterError
from . import common, errors

SOURCES = ('-', 'mic')

# What to install for --live mic
MIC_HINT = "--live mic needs the sounddevice package: pip install 'torchcrepe[live]'"

# Bytes read from standard input at a time: a read returns what the pipe
# holds, so small writes come through at once
READ_BYTES = 1 << 14


def add_arguments(parser, inputs):
    """Add live mode's options to an argparse parser; `inputs` is the
    mutually exclusive group of the inputs, which gets --live"""
    inputs.add_argument(
        '--live', choices=SOURCES, metavar='SOURCE',
        help="track pitch as audio arrives: '-' reads 16-bit little-endian "
             "mono PCM from standard input, 'mic' records the default "
             "microphone (pip install 'torchcrepe[live]'); prints "
             'time,frequency,periodicity rows as frames become final')
    parser.add_argument(
        '--live_rate', type=int, metavar='HZ',
        help='sample rate of the --live input (needed with --live -; '
             f'default for mic: {SAMPLE_RATE})')
    parser.add_argument(
        '--max_delay', type=float, metavar='SECONDS',
        help='with --live and a Viterbi decoder: decide a frame by the best '
             'path so far once it is this many seconds old (default: wait '
             'until the path is certain, as offline)')


@dataclasses.dataclass(frozen=True)
class Plan:
    """A checked live-mode run

    source (str): '-' (standard input) or 'mic'
    tracker (live.Tracker): made with the checked options, not yet pushed
    voicing_threshold (float): periodicity below it prints no frequency
    """
    source: str
    tracker: Tracker
    voicing_threshold: float


def plan(args):
    """Check live mode's arguments before any work (and, for --live mic,
    that a microphone is there)

    Arguments
        args (argparse.Namespace): parsed by cli.parser, with --live

    Returns a Plan. Raises ParameterError naming the option and what is
    allowed.
    """
    options = common.checked(common.options(args))
    rate = args.live_rate
    if rate is None:
        if args.live == '-':
            raise ParameterError('--live - needs --live_rate, the sample rate '
                                 'of the PCM on standard input')
        rate = SAMPLE_RATE
    checks.sample_rate(rate, '--live_rate')
    checks.voicing_threshold(args.voicing_threshold, '--voicing_threshold')
    checked_max_delay(args.max_delay, '--max_delay')
    checks.frequency_range(args.fmin, args.fmax)
    if args.live == 'mic':
        microphone()  # refused here, before any work, when there is none
    tracker = Tracker(rate, options.hop_length, options.fmin, options.fmax,
                      options.model, options.decoder, options.device,
                      max_delay=args.max_delay, precision=options.precision,
                      backend=options.backend)
    return Plan(args.live, tracker, args.voicing_threshold)


def run(plan):
    """Track until the input ends (or Ctrl-C); returns the exit status

    0: the input ended (or the reader of stdout went away); 1: reading or
    tracking failed (the error on stderr).
    """
    tracker = plan.tracker
    # torch's threads as they are: a push's few frames run on one thread
    # anyway (network.infer.ready), and a backlog, when the model is slower
    # than the audio, on all of them
    tracker.warm()
    output = sys.stdout
    try:
        output.write(files.CSV_HEADER)
        output.flush()
        print(f'{errors.NAME}: ready: {tracker.sample_rate} Hz, model '
              f'{tracker.options.model}, decoder {tracker.options.decoder.__name__}',
              file=sys.stderr, flush=True)
        chunks = microphone_chunks(tracker.sample_rate) if plan.source == 'mic' \
            else pcm_chunks(sys.stdin.buffer)
        try:
            for samples in chunks:
                write(output, tracker.push(samples), plan.voicing_threshold)
        except KeyboardInterrupt:
            pass  # the end of the recording: print what is left
        write(output, tracker.finish(), plan.voicing_threshold)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): nothing left to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, output.fileno())
        return 0
    except (OSError, RuntimeError) as error:
        return errors.failure(error)
    return 0


def write(output, frames, threshold):
    """Print live.Frames as .csv rows on `output` (a text stream), flushed;
    `threshold`: periodicity below it leaves the frequency empty"""
    if len(frames):
        output.write(files.csv_rows(frames.time, frames.pitch, frames.periodicity,
                                    files.voiced(frames.periodicity, threshold)))
        output.flush()


def pcm_chunks(stream):
    """Samples (float32 numpy arrays in [-1, 1)) of 16-bit little-endian
    mono PCM, as they arrive on a binary stream, until it ends"""
    descriptor = stream.fileno()
    odd = b''
    while True:
        data = os.read(descriptor, READ_BYTES)
        if not data:
            return
        data = odd + data
        whole = len(data) - len(data) % 2
        odd = data[whole:]
        yield np.frombuffer(data[:whole], dtype='<i2').astype(np.float32) / 32768


def microphone():
    """The sounddevice module, once it and an input device are found;
    ParameterError saying what to do otherwise"""
    try:
        import sounddevice
    except (ImportError, OSError) as error:
        # OSError: the module is there but the PortAudio library is not
        raise ParameterError(f'{MIC_HINT} ({error})') from None
    try:
        sounddevice.query_devices(kind='input')
    except Exception as error:  # sounddevice.PortAudioError and kin
        raise ParameterError(f'--live mic: no input device found ({error}); '
                             'pipe audio in with --live - instead') from None
    return sounddevice


def microphone_chunks(rate, block=None):
    """Float32 samples (numpy arrays) from the default microphone at `rate`
    Hz, `block` samples at a time (10 ms by default), until Ctrl-C"""
    sounddevice = microphone()
    arrived = queue.Queue()

    def callback(data, frames, time, status):
        arrived.put(data[:, 0].copy())

    with sounddevice.InputStream(samplerate=rate, channels=1, dtype='float32',
                                 blocksize=block or rate // 100,
                                 callback=callback):
        while True:
            yield arrived.get()
