"""The command line's one way out: usage errors, failures, interruptions.

Exit status, for both programs (python -m torchcrepe and python -m
torchcrepe.export):
    0  everything done
    1  some work failed (each failure named on stderr)
    2  a usage error, found before any work starts: the usage line and one
       `PROGRAM: error: MESSAGE` line, no traceback
    130 interrupted (Ctrl-C); finished outputs are kept
"""
import sys

FAILED = 1
INTERRUPTED = 130

# The name failures and interruptions are reported under
NAME = 'torchcrepe'


def planned(parser, plan, args):
    """plan(args), the checked plan of a run, or a usage error

    Arguments
        parser (argparse.ArgumentParser): the program's parser, whose
            `error` prints the usage and exits with status 2
        plan (callable): checks the parsed arguments, returns the plan;
            raises ValueError (ParameterError) or TypeError naming the
            option and what is allowed
        args (argparse.Namespace): the parsed arguments

    Returns what `plan` returns; exits (SystemExit 2) on a refusal.
    """
    try:
        return plan(args)
    except (ValueError, TypeError) as error:
        parser.error(str(error))


def failure(message, name=NAME):
    """Print `NAME: error: MESSAGE` on stderr; returns FAILED (1)"""
    print(f'{name}: error: {message}', file=sys.stderr)
    return FAILED


def interrupted(rest=''):
    """Say that Ctrl-C ended the run (`rest`: what else to tell); returns
    INTERRUPTED (130)"""
    print(f'{NAME}: interrupted; finished outputs are kept, no partial file '
          f'is left{rest}', file=sys.stderr)
    return INTERRUPTED
