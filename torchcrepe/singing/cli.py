"""The command line's singing report: options, checks, and the run.

    python -m torchcrepe --audio_files take.wav --model small \
        --singing_report take.json --plot take.png

With --singing_report, each audio file's pitch (and its A-weighted
loudness on the same frames, for new syllables) is analysed by
singing.analyse and written as JSON; --plot then draws the singing report
picture (singing.picture) instead of the spectrogram plot; a short summary
per file is printed on stdout. When --decoder is not given, the singing
report uses weighted_viterbi: the Viterbi path without its 20-cent steps,
so that cents, drift and jitter are not the decoder's dither.
"""
import math

from .. import files, framing
from ..loudness import a_weighted
from ..constants import SAMPLE_RATE
from ..utils import ParameterError
from . import picture
from .report import analyse

# The decoder when --decoder is not given: plain pitch tracking keeps
# torchcrepe's default, the singing report the one without dither
DEFAULT_DECODER = 'viterbi'
SINGING_DECODER = 'weighted_viterbi'


def add_arguments(parser):
    """Add --singing_report and --tuning to an argparse parser"""
    parser.add_argument(
        '--singing_report', nargs='+', metavar='JSON',
        help='analyse the singing: notes, vibrato and intonation figures, '
             'one .json per audio file, and a summary on stdout; --plot then '
             'draws the singing report picture (pitch on note names, notes '
             'coloured by intonation, vibrato, the figures) instead of the '
             'spectrogram. Uses --decoder weighted_viterbi unless --decoder '
             'is given')
    parser.add_argument(
        '--tuning', default='440', metavar='HZ',
        help="with --singing_report: A4 in Hz (400..480), or 'estimate' to "
             'take it from the recording (default: 440)')


def plan(args):
    """Check the singing options; fill in the decoder; True if singing

    Raises ParameterError (a ValueError) naming the option and what is
    allowed.
    """
    singing = args.singing_report is not None
    if args.decoder is None:
        args.decoder = SINGING_DECODER if singing else DEFAULT_DECODER
    if not singing:
        if args.tuning != '440':
            raise ParameterError('--tuning needs --singing_report')
        return False
    if args.embed:
        raise ParameterError('--singing_report cannot be used with --embed')
    if len(args.singing_report) != len(args.audio_files):
        raise ParameterError(
            f'--singing_report needs one .json per audio file: got '
            f'{len(args.singing_report)} for {len(args.audio_files)} audio files')
    for path in args.singing_report:
        if files.extension(path) != '.json':
            raise ParameterError(f'--singing_report: {path} must end in .json')
    args.tuning = tuning(args.tuning)
    return True


def tuning(text):
    """'estimate', or A4 in Hz as a float within 400..480"""
    if text == 'estimate':
        return text
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 400 <= value <= 480:
        raise ParameterError(f"--tuning must be A4 in Hz within 400..480, or "
                         f"'estimate'; got {text!r}")
    return value


def loudness_of(args, audio, sample_rate):
    """A-weighted loudness (dB, torch.tensor [shape=(1, frames)]) of a
    file on the frames of its pitch track"""
    return a_weighted(audio, sample_rate, args.hop_length, not args.no_pad)


def analysis(args, audio, sample_rate, pitch, periodicity, loudness=None):
    """The singing Report of one file, as the command line makes it

    Arguments
        args (argparse.Namespace): checked by `plan`
        audio (torch.tensor [shape=(channels, time)]), sample_rate (int, Hz)
        pitch, periodicity (torch.tensor [shape=(1, frames)]): its track
        loudness (torch.tensor [shape=(1, frames)] or None): loudness_of's,
            computed when None
    """
    hop = framing.model_hop(sample_rate, args.hop_length)
    start = framing.frame_times(1, hop, not args.no_pad)[0]
    if loudness is None:
        loudness = loudness_of(args, audio, sample_rate)
    return analyse(pitch, periodicity, hop / SAMPLE_RATE, tuning=args.tuning,
                   start=start, voicing_threshold=args.voicing_threshold,
                   loudness=loudness)


def reporter(args, plots=None):
    """The per-file step of the singing report, for outputs.predict_files'
    `also`: analyses a file's pitch track, writes its JSON (and picture)
    together, and prints its summary on stdout

    Arguments
        args (argparse.Namespace): checked by `plan`
        plots (list of str or None): the picture of each file, or None
    """
    plots = plots or [None] * len(args.singing_report)

    def write(index, audio, sample_rate, pitch, periodicity):
        found = analysis(args, audio, sample_rate, pitch, periodicity)
        name = str(args.audio_files[index])
        # Both files appear together or not at all
        paths = [args.singing_report[index]] + ([plots[index]] if plots[index] else [])
        with files.staged(paths) as targets:
            found.save(targets[0])
            if plots[index]:
                # The temporary's name is not the user's: its format is
                picture.save(targets[1], found, title=name,
                             format=files.extension(plots[index])[1:])
        print(found.summary(name))
    return write
