"""python -m torchcrepe.export: see torchcrepe.cli.export"""
from ..cli import main_export as main, run_export as run

__all__ = ['main', 'run']

if __name__ == '__main__':
    run()
