"""Which options clash with which mode of `python -m torchcrepe`: one table.

The mode is the input given: --audio_files (file mode, FILES), --audio_dir
or --audio_list (folder mode, FOLDER), --live (LIVE). An option given in a
mode that has no use for it is refused before any work, never ignored.
"""
from ..utils import ParameterError

FILES, FOLDER, LIVE = 'files', 'folder', 'live'

# The options some modes have no use for, and the modes that take them.
# An option not listed is read by every mode. Given (not at its parser
# default) in any other mode, it is a usage error. The order is the order
# in which messages list them.
MODES = {
    'output_files': {FILES},
    'output_periodicity_files': {FILES},
    'output_harmonicity_files': {FILES},
    'plot': {FILES},
    'embed': {FILES},
    'no_pad': {FILES, FOLDER},
    'batch_size': {FILES, FOLDER},
    'singing_report': {FILES},
    'reference': {FILES},
    'reference_part': {FILES},
    'timing': {FILES},
    'transpose': {FILES},
    'accompaniment': {FILES},
    'output_dir': {FOLDER},
    'format': {FOLDER},
    'jobs': {FOLDER},
    'overwrite': {FOLDER},
    'engine': {FOLDER},
    'ray_address': {FOLDER},
    'live_rate': {LIVE},
    'max_delay': {LIVE},
}


def mode_of(args):
    """The mode of parsed arguments: FILES, FOLDER or LIVE (the parser
    takes exactly one input)"""
    if args.live is not None:
        return LIVE
    return FILES if args.audio_files is not None else FOLDER


def check(args, mode, defaults):
    """Refuse the options given that `mode` has no use for

    Arguments
        args (argparse.Namespace): parsed by cli.parser
        mode (str): FILES, FOLDER or LIVE
        defaults (dict): each option of MODES (its dest) to its parser
            default, which means not given

    Raises ParameterError for options that only live mode (then: only
    folder mode) takes, saying which input they need; else for the other
    options `mode` has no use for, saying they cannot be used with it.
    """
    given = [name for name, modes in MODES.items()
             if mode not in modes and getattr(args, name) != defaults[name]]
    for owner in (LIVE, FOLDER):
        theirs = [f'--{name}' for name in given if MODES[name] == {owner}]
        if theirs:
            raise ParameterError(_needs(owner, theirs))
    if given:
        raise ParameterError(_refusal(mode, [f'--{name}' for name in given]))


def _needs(owner, options):
    """The message for options of mode `owner` given without its input"""
    if owner == LIVE:
        verb = 'needs' if len(options) == 1 else 'need'
        return f'{", ".join(options)} {verb} --live'
    return f'{", ".join(options)} need --audio_dir or --audio_list'


def _refusal(mode, options):
    """The message for options that `mode` (LIVE or FOLDER: file mode
    refuses only options of one other mode, which _needs words) cannot
    use"""
    if mode == LIVE:
        return f'{", ".join(options)} cannot be used with --live'
    # Folder mode writes its own outputs: name a clashing output first
    outputs = [option for option in options if option != '--embed']
    if outputs:
        return (f'{outputs[0]} cannot be used with --audio_dir/--audio_list '
                '(outputs go to --output_dir)')
    return ('--embed is not available in folder mode; use --audio_files '
            'with --output_files')
