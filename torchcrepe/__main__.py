"""python -m torchcrepe: see torchcrepe.cli (python -m torchcrepe --help)"""
from .cli import main, make_parent_directory, parse_args, run

__all__ = ['main', 'make_parent_directory', 'parse_args', 'run']

if __name__ == '__main__':
    run()
