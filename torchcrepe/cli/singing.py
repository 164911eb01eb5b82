"""The singing report of file mode: --singing_report and --tuning, and
the score against target notes: --reference, --reference_part, --timing,
--transpose.

    python -m torchcrepe --audio_files take.wav --model small \
        --singing_report take.json --plot take.png
    python -m torchcrepe --audio_files take.wav --model small \
        --singing_report take.json --reference scale.json --timing accompanied

With --singing_report, each audio file's pitch (and its A-weighted
loudness on the same frames, for new syllables) is analysed by
singing.analyse and written as JSON; --plot then draws the singing report
picture (singing.picture) instead of the spectrogram plot; a short summary
per file is printed on stdout. With --reference, the report's JSON gains a
`score` object (singing.score: each target note hit or missed, cents off,
late, settled, steady; the offset, tempo, transposition) and the summary
its score line, and the picture draws the target notes. A reference
whose length does not fit a take (singing.lengths.check_span: far longer
or shorter than an accompanied take, far too many notes for a free one)
is warned of once its audio file is read, before it is tracked
(warn_span, the runner's `before` step); the take is still scored. When
--decoder is not given, the run uses defaults.SINGING_DECODER
(weighted_viterbi: the Viterbi path without its 20-cent steps, so that
cents, drift and jitter are not the decoder's dither); file mode
(cli.files) picks it.

torchcrepe.singing (and scipy.signal under it) is imported only when a
report is made: folder mode's worker processes import the command line's
modules and never need it.
"""
import dataclasses
import math
import warnings

from .. import files, framing
from ..constants import SAMPLE_RATE
from ..defaults import SINGING_DECODER
from ..loudness import band_level
from ..paths import one_or_per_file
from ..utils import ParameterError

# --tuning when not given: A4 at 440 Hz, singing.analyse's default
TUNING = '440'

# --timing's choices and default, as singing.score takes them
# (singing.scoring.TIMINGS): spelt here because the command line imports
# torchcrepe.singing, and scipy under it, only when a report is made
TIMINGS = ('accompanied', 'free')
TIMING = 'accompanied'

# References that are one list of notes, with no track or part for
# --reference_part to name: it would be ignored there, so it is refused
NOTE_LISTS = ('.csv', '.json')


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
    parser.add_argument(
        '--reference', nargs='+', metavar='NOTES',
        help='with --singing_report: the notes to be sung, one file for all '
             'audio files or one per audio file (.csv with header '
             'onset,offset,midi; .json notes or exercise; .mid/.midi with '
             "torchcrepe[score]; .musicxml/.xml/.mxl); each report's JSON "
             'then holds a score of every target note, and --plot draws them')
    parser.add_argument(
        '--reference_part', default=None, metavar='NAME',
        help='with --reference: the MIDI track (by name) or MusicXML part '
             '(by name or id) to read (default: the only monophonic track, '
             'or the first part)')
    parser.add_argument(
        '--timing', choices=TIMINGS, default=TIMING,
        help='with --reference: accompanied (sung with the target playing: '
             'its time, up to 1 s of offset and a slow drift) or free (the '
             f"singer's own tempo) (default: {TIMING})")
    parser.add_argument(
        '--transpose', default=None, metavar='auto|N',
        help="with --reference: the singer's key, 'auto' to find it or N "
             'semitones from the written key (default: 0 with accompanied, '
             'auto with free)')


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
    targets (tuple or None): with --reference, one list of singing.Target
        per audio file
    references (tuple or None): with --reference, its file per audio file
        (warnings name it)
    timing (str), transpose (int, 'auto' or None): as singing.score takes
        them
    """
    audio_files: tuple
    reports: tuple
    tuning: object
    hop_length: object
    pad: bool
    voicing_threshold: float
    pictures: object = None
    targets: object = None
    timing: str = TIMING
    transpose: object = None
    references: object = None


def plan(args):
    """Check the singing options of file mode

    Arguments
        args (argparse.Namespace): parsed by cli.parser, with --audio_files

    Returns a Plan, or None without --singing_report. Raises
    ParameterError naming the option and what is allowed.
    """
    if args.singing_report is None:
        for option, value, default in (('--tuning', args.tuning, TUNING),
                                       ('--reference', args.reference, None),
                                       ('--reference_part', args.reference_part, None),
                                       ('--timing', args.timing, TIMING),
                                       ('--transpose', args.transpose, None)):
            if value != default:
                raise ParameterError(f'{option} needs --singing_report')
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
                args.voicing_threshold, None,
                *reference(args.reference, args.timing, args.transpose,
                           len(args.audio_files), args.reference_part))


def reference(paths, timing, transpose, count, part=None):
    """(targets, timing, transpose, references) of --reference (and
    --reference_part, the track or part `part` read from each file), read
    and checked before any work: one list of singing.Target and its file
    per audio file, or None without --reference; raises ParameterError
    naming the option"""
    if paths is None:
        for option, value, default in (('--reference_part', part, None),
                                       ('--transpose', transpose, None),
                                       ('--timing', timing, TIMING)):
            if value != default:
                raise ParameterError(f'{option} needs --reference')
        return None, timing, None, None
    paths = one_or_per_file(paths, count, '--reference')
    if transpose is not None and transpose != 'auto':
        try:
            transpose = int(transpose)
        except ValueError:
            raise ParameterError(f"--transpose must be 'auto' or a whole number "
                                 f'of semitones; got {transpose!r}') from None
    from ..singing import read_targets
    from ..singing.scoring import check_transpose
    try:
        check_transpose(transpose, timing)
    except ParameterError as error:
        raise ParameterError(f'--{error}') from None
    # Each file read once, however many audio files share it
    read = {}
    for path in paths:
        if path in read:
            continue
        if part is not None and files.extension(path) in NOTE_LISTS:
            raise ParameterError(f'--reference_part names a MIDI track or MusicXML '
                                 f'part; {path} is a note list, with none')
        try:
            read[path] = read_targets(path, part)
        except (ParameterError, FileNotFoundError) as error:
            raise ParameterError(f'--reference: {error}') from None
    return tuple(read[path] for path in paths), timing, transpose, paths


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
    """The level of the band of a sung vowel's formants (dB, torch.tensor
    [shape=(1, frames)], loudness.band_level) of a file on the frames of
    its pitch track (`singing`: a Plan): what the analysis reads syllables
    and onsets from"""
    return band_level(audio, sample_rate, singing.hop_length, singing.pad)


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


def warn_span(singing, index, audio, sample_rate):
    """Warn (warnings.warn, a singing.lengths.ReferenceWarning) when audio
    file `index`'s reference does not fit its length, naming both files
    and the durations (singing.lengths.check_span); nothing without
    --reference

    The step file mode hands to outputs.predict_files (`before`), with the
    Plan bound: it runs once the file is read, before it is tracked.

    Arguments
        singing (Plan): the checked singing options
        index (int): which audio file
        audio (torch.tensor [shape=(channels, time)]), sample_rate (int, Hz)
    """
    if singing.targets is None:
        return
    from ..singing.lengths import ReferenceWarning, check_span
    problem = check_span(singing.targets[index], audio.shape[-1] / sample_rate,
                         singing.timing)
    if problem:
        warnings.warn(f'--reference {singing.references[index]} for audio file '
                      f'{singing.audio_files[index]}: {problem}', ReferenceWarning,
                      stacklevel=2)


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
    from ..singing import picture, score
    from ..singing.lengths import ReferenceWarning
    found = analysis(singing, audio, sample_rate, pitch, periodicity)
    name = str(singing.audio_files[index])
    image = singing.pictures[index] if singing.pictures else None
    result = None
    if singing.targets is not None:
        # warn_span has said it, naming the files, before the tracking
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ReferenceWarning)
            result = score(found, singing.targets[index], timing=singing.timing,
                           transpose=singing.transpose)
    # Both files appear together or not at all
    written = [singing.reports[index]] + ([image] if image else [])
    with files.staged(written) as targets:
        found.save(targets[0], score=result)
        if image:
            # The temporary's name is not the user's: its format is
            picture.save(targets[1], found, title=name,
                         format=files.extension(image)[1:], score=result)
    print(found.summary(name))
    if result is not None:
        print(score_line(result))


def score_line(result):
    """One line of a singing.Score's summary for stdout"""
    summary = result.summary
    return (f"  score {summary['score']:.0f}/100: {summary['hit']} of "
            f"{summary['notes']} target notes hit, {summary['missed']} missed, "
            f"{summary['extra']} extra; transposed {result.transpose:+d} "
            f"semitones, offset {result.offset:+.2f} s, tempo {result.tempo:.2f}")
