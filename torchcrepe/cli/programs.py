"""The programs' entry points: parse, check everything, then run.

Every refusal takes one path: a mode's `plan` (or the clash table) raises
ParameterError, and errors.planned turns it into the usage line, one
`PROGRAM: error: MESSAGE` line and exit status 2, before any work starts.
"""
import sys

from . import clashes, errors, export, files, folder, live
from .parser import build, build_export, defaults

# The module that plans and runs each mode
MODES = {clashes.FILES: files, clashes.FOLDER: folder, clashes.LIVE: live}


def main(argv=None):
    """Run python -m torchcrepe with `argv` (sys.argv[1:] by default);
    returns the exit status (see cli.errors); a usage error exits"""
    parser = build()
    args = parser.parse_args(argv)
    mode = clashes.mode_of(args)

    def plan(args):
        clashes.check(args, mode, defaults(parser))
        return MODES[mode].plan(args)

    return MODES[mode].run(errors.planned(parser, plan, args))


def main_export(argv=None):
    """Run python -m torchcrepe.export with `argv` (sys.argv[1:] by
    default); returns the exit status; a usage error exits"""
    parser = build_export()
    args = parser.parse_args(argv)
    return export.run(errors.planned(parser, export.plan, args))


def run():
    """Console-script entry point of python -m torchcrepe: exits with
    main()'s status"""
    sys.exit(main())


def run_export():
    """Entry point of python -m torchcrepe.export: exits with
    main_export()'s status"""
    sys.exit(main_export())
