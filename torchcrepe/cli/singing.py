"""The singing report of file mode: --singing_report and --tuning.

    python -m torchcrepe --audio_files take.wav --model small \
        --singing_report take.json --plot take.png

With --singing_report, each audio file's pitch (and its A-weighted
loudness on the same frames, for new syllables) is analysed by
singing.analyse and written as JSON; --plot then draws the singing report
picture (singing.picture) instead of the spectrogram plot; a short summary
per file is printed on stdout. When --decoder is not given, the run uses
defaults.SINGING_DECODER (weighted_viterbi: the Viterbi path without its
20-cent steps, so that cents, drift and jitter are not the decoder's
dither); file mode (cli.files) picks it.

torchcrepe.singing (and scipy.signal under it) is imported only when a
report is made: folder mode's worker processes import the command line's
modules and never need it.
"""
import dataclasses
import math

from .. import files, framing
from ..constants import SAMPLE_RATE
from ..defaults import SINGING_DECODER
from ..loudness import a_weighted
from ..utils import ParameterError

# --tuning when not given: A4 at 440 Hz, singing.analyse's default
TUNING = '440'


def add_arguments(parser):
    """Add --singing_report and --tuning to an argparse parser"""
    parser.add_argument(
        '--singing_report', nargs='+', metavar='JSON',
        help='analyse the singing: notes, vibrato and intonation figures, '
             'one .json per audio file, and a summary on stdout; --plot then '
             'draws the singing report picture (pitch on note names, notes '
             'coloured by intonation, vibrato, the figures) instead of the '
             f'spectrogram. Uses --decoder {SINGING_DECODER} unless --decoder '
             'is given')
    parser.add_argument(
        '--tuning', default=TUNING, metavar='HZ',
        help="with --singing_report: A4 in Hz (400..480), or 'estimate' to "
             f'take it from the recording (default: {TUNING})')


@dataclasses.dataclass(frozen=True)
class Plan:
    """The singing report of a file-mode run, checked

    audio_files (tuple): the audio files as given (summaries name them)
    reports (tuple of str): one .json per audio file
    tuning (float or 'estimate'): A4 in Hz
    hop_length (int or None), pad (bool), voicing_threshold (float): as
        the run's pitch tracks
    pictures (tuple of str or None): one .png per audio file (--plot), or
        None for none; file mode fills it in once --plot is checked
    """
    audio_files: tuple
    reports: tuple
    tuning: object
    hop_length: object
    pad: bool
    voicing_threshold: float
    pictures: object = None


def plan(args):
    """Check the singing options of file mode

    Arguments
        args (argparse.Namespace): parsed by cli.parser, with --audio_files

    Returns a Plan, or None without --singing_report. Raises
    ParameterError naming the option and what is allowed.
    """
    if args.singing_report is None:
        if args.tuning != TUNING:
            raise ParameterError('--tuning needs --singing_report')
        return None
    if args.embed:
        raise ParameterError('--singing_report cannot be used with --embed')
    if len(args.singing_report) != len(args.audio_files):
        raise ParameterError(
            f'--singing_report needs one .json per audio file: got '
            f'{len(args.singing_report)} for {len(args.audio_files)} audio files')
    for path in args.singing_report:
        if files.extension(path) != '.json':
            raise ParameterError(f'--singing_report: {path} must end in .json')
    return Plan(tuple(args.audio_files), tuple(args.singing_report),
                tuning(args.tuning), args.hop_length, not args.no_pad,
                args.voicing_threshold)


def tuning(text):
    """'estimate', or A4 in Hz as a float within 400..480; raises
    ParameterError for anything else"""
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


def loudness_of(singing, audio, sample_rate):
    """A-weighted loudness (dB, torch.tensor [shape=(1, frames)]) of a
    file on the frames of its pitch track (`singing`: a Plan)"""
    return a_weighted(audio, sample_rate, singing.hop_length, singing.pad)


def analysis(singing, audio, sample_rate, pitch, periodicity, loudness=None):
    """The singing Report of one file, as the command line makes it

    Arguments
        singing (Plan): the checked singing options
        audio (torch.tensor [shape=(channels, time)]), sample_rate (int, Hz)
        pitch, periodicity (torch.tensor [shape=(1, frames)]): its track
        loudness (torch.tensor [shape=(1, frames)] or None): loudness_of's,
            computed when None

    Returns singing.Report.
    """
    from ..singing import analyse
    hop = framing.model_hop(sample_rate, singing.hop_length)
    start = framing.frame_times(1, hop, singing.pad)[0]
    if loudness is None:
        loudness = loudness_of(singing, audio, sample_rate)
    return analyse(pitch, periodicity, hop / SAMPLE_RATE, tuning=singing.tuning,
                   start=start, voicing_threshold=singing.voicing_threshold,
                   loudness=loudness)


def run(singing, index, audio, sample_rate, pitch, periodicity):
    """Make the singing report of audio file `index` from its pitch track:
    write its JSON (and picture) together, print its summary on stdout

    The per-file step file mode hands to outputs.predict_files (`also`),
    with the Plan bound.

    Arguments
        singing (Plan): the checked singing options
        index (int): which audio file
        audio (torch.tensor [shape=(channels, time)]), sample_rate (int, Hz)
        pitch, periodicity (torch.tensor [shape=(1, frames)]): its track
    """
    from ..singing import picture
    found = analysis(singing, audio, sample_rate, pitch, periodicity)
    name = str(singing.audio_files[index])
    image = singing.pictures[index] if singing.pictures else None
    # Both files appear together or not at all
    written = [singing.reports[index]] + ([image] if image else [])
    with files.staged(written) as targets:
        found.save(targets[0])
        if image:
            # The temporary's name is not the user's: its format is
            picture.save(targets[1], found, title=name,
                         format=files.extension(image)[1:])
    print(found.summary(name))
