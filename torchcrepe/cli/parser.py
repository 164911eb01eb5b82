"""The parsers of the two programs, built from each mode's options.

    python -m torchcrepe          one input (--audio_files, --audio_dir,
                                  --audio_list or --live) and options
    python -m torchcrepe.export   MODEL PATH | --all DIRECTORY

Parsing only: which options go together is cli.clashes', and what each
mode checks is its own `plan`'s.
"""
import argparse

from . import clashes, common, export, files, folder, live, singing

PROGRAM = 'python -m torchcrepe'

DESCRIPTION = ('Track the pitch of audio files with CREPE (or embed them). '
               'Output formats follow the extension: .csv, .json, .npy, or '
               '.pt (torch.save, also for any other).')


def build():
    """The argparse.ArgumentParser of python -m torchcrepe"""
    parser = argparse.ArgumentParser(prog=PROGRAM, description=DESCRIPTION)
    inputs = parser.add_mutually_exclusive_group(required=True)
    files.add_arguments(parser, inputs)
    common.add_arguments(parser)
    singing.add_arguments(parser)
    folder.add_arguments(parser, inputs)
    live.add_arguments(parser, inputs)
    return parser


def build_export():
    """The argparse.ArgumentParser of python -m torchcrepe.export"""
    parser = argparse.ArgumentParser(prog=export.PROGRAM,
                                     description=export.DESCRIPTION)
    export.add_arguments(parser)
    return parser


def parse_args(argv=None):
    """The parsed command line (sys.argv[1:] by default), unchecked, as
    0.0.24's torchcrepe.__main__.parse_args gave it; argparse.Namespace"""
    return build().parse_args(argv)


def defaults(parser):
    """{option (dest): its default} of the options in cli.clashes' table:
    an option at its default was not given"""
    return {name: parser.get_default(name) for name in clashes.MODES}
