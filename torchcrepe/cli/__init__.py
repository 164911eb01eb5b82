"""The command line: `python -m torchcrepe` and `python -m torchcrepe.export`.

The top layer of the package (nothing else imports it but the __main__
modules). Modules: parser (builds the parsers), clashes (which options
clash with which mode), errors (the one way out: usage errors, failures),
common (the options every mode reads), one module per mode, each with
add_arguments, plan (checks, returns a frozen plan) and run: files
(--audio_files), singing (--singing_report, part of file mode), folder
(--audio_dir/--audio_list), live (--live), export; and programs (main:
parse, check, run).
"""
from .files import make_parent_directory
from .programs import main, main_export, run, run_export
from .parser import parse_args

__all__ = ['main', 'main_export', 'make_parent_directory', 'parse_args',
           'run', 'run_export']
