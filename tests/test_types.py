"""The public surface is annotated, and mypy finds no error in the package.

mypy.ini names the strict modules (the public surface); `test_mypy` runs
mypy with it (about 40 s cold on two cores: it analyses torch and numpy;
the cache in .cache/mypy makes later runs take seconds). The other tests
read the same list and check at run time, without mypy, that every public
function and method of those modules is annotated, parameters and return,
and that the annotations name what exists.
"""
import ast
import configparser
import dataclasses
import importlib
import inspect
import os
import sys
import typing

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, 'mypy.ini')

# What must stay strict: the public API (torchcrepe.__all__'s modules, the
# submodules users import, singing.__all__'s modules)
PUBLIC = {'torchcrepe', 'torchcrepe.core', 'torchcrepe.convert', 'torchcrepe.filter',
          'torchcrepe.threshold', 'torchcrepe.loudness', 'torchcrepe.load',
          'torchcrepe.model', 'torchcrepe.framing', 'torchcrepe.network',
          'torchcrepe.decode', 'torchcrepe.export', 'torchcrepe.utils',
          'torchcrepe.constants', 'torchcrepe.defaults', 'torchcrepe.plot',
          'torchcrepe.types', 'torchcrepe.singing', 'torchcrepe.singing.notes',
          'torchcrepe.singing.report', 'torchcrepe.singing.scoring',
          'torchcrepe.singing.targets', 'torchcrepe.singing.vibrato',
          'torchcrepe.singing.picture'}


def sections():
    """{option: [modules of the section that sets it]} of mypy.ini"""
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    found = {}
    for name in parser.sections():
        if name.startswith('mypy-'):
            for option in parser[name]:
                found.setdefault(option, []).extend(name[len('mypy-'):].split(','))
    return found


STRICT = sorted(sections()['disallow_untyped_defs'])


def test_config_lists():
    """Every public module is strict; no module is both strict and ignored"""
    assert PUBLIC <= set(STRICT)
    assert not set(STRICT) & set(sections()['ignore_errors'])


def test_mypy():
    api = pytest.importorskip('mypy.api')
    stdout, stderr, status = api.run([
        '--config-file', CONFIG, '--cache-dir', os.path.join(ROOT, '.cache', 'mypy'),
        os.path.join(ROOT, 'torchcrepe')])
    assert status == 0, f'mypy found errors:\n{stdout}{stderr}'


def routines(module):
    """(name, function, whether its first parameter is self or cls) of
    every public function and method that `module` defines (re-exported
    names are checked where they are defined)"""
    found = []
    for name, value in vars(module).items():
        if name.startswith('_') or getattr(value, '__module__', None) != module.__name__:
            continue
        if inspect.isclass(value):
            found += [(f'{name}.{method}', function, bound)
                      for method, function, bound in methods(value)]
        elif callable(value) and inspect.isfunction(inspect.unwrap(value)):
            found.append((name, value, False))
    return found


def methods(cls):
    """(name, function, bound) of the methods and property accessors `cls`
    defines: public ones, __init__ and __call__ (not those that Python
    writes, such as a Protocol's __init__)"""
    for name, value in vars(cls).items():
        if name.startswith('_') and name not in ('__init__', '__call__') or \
                getattr(value, '__module__', cls.__module__) != cls.__module__:
            continue
        if isinstance(value, property):
            yield from ((name, accessor, True) for accessor in (value.fget, value.fset)
                        if accessor is not None)
        elif isinstance(value, staticmethod):
            yield name, value.__func__, False
        elif isinstance(value, classmethod):
            yield name, value.__func__, True
        elif inspect.isfunction(value):
            yield name, value, True


def unannotated(function, bound=False):
    """What of `function`'s signature has no annotation (a method's self or
    cls aside)"""
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if bound:
        parameters = parameters[1:]
    missing = [parameter.name for parameter in parameters
               if parameter.annotation is parameter.empty]
    if signature.return_annotation is signature.empty:
        missing.append('return')
    return missing


def type_checking_names(module):
    """Names a module imports under `if TYPE_CHECKING:` only, which
    annotations may use but run time cannot resolve"""
    with open(module.__file__, encoding='utf-8') as file:
        tree = ast.parse(file.read())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.If) and 'TYPE_CHECKING' in ast.dump(node.test):
            for statement in node.body:
                if isinstance(statement, (ast.Import, ast.ImportFrom)):
                    names |= {(alias.asname or alias.name).split('.')[0]
                              for alias in statement.names}
    return names


@pytest.mark.parametrize('module_name', STRICT)
def test_public_functions_are_annotated(module_name):
    module = importlib.import_module(module_name)
    missing = {name: gaps for name, function, bound in routines(module)
               if (gaps := unannotated(function, bound))}
    assert missing == {}, f'{module_name}: missing annotations {missing}'


@pytest.mark.skipif(sys.version_info < (3, 10),
                    reason='annotations use X | Y, which evaluates from Python 3.10')
@pytest.mark.parametrize('module_name', STRICT)
def test_annotations_resolve(module_name):
    """typing.get_type_hints evaluates each public annotation: every name
    exists (but those imported for type checking only)"""
    module = importlib.import_module(module_name)
    allowed = type_checking_names(module)
    for name, function, _ in routines(module):
        try:
            typing.get_type_hints(function)
        except NameError as error:
            assert error.name in allowed, f'{module_name}.{name}: {error}'
    for name, value in vars(module).items():
        if inspect.isclass(value) and value.__module__ == module_name and (
                dataclasses.is_dataclass(value) or issubclass(value, tuple)):
            typing.get_type_hints(value)


@pytest.mark.parametrize('module_name', ['torchcrepe.constants', 'torchcrepe.defaults'])
def test_constants_are_annotated(module_name):
    module = importlib.import_module(module_name)
    names = getattr(module, '__all__', None) or [
        name for name in vars(module) if name.isupper() or name == '__version__']
    assert names
    assert [name for name in names if name not in module.__annotations__] == []


def test_top_level_api_is_annotated():
    """torchcrepe.__all__ (core's), infer's call included"""
    import torchcrepe

    for name in torchcrepe.core.__all__:
        value = getattr(torchcrepe, name)
        if isinstance(value, (int, float, str)):
            continue
        if name == 'infer':  # an object: network.Inference
            assert unannotated(type(value).__call__, bound=True) == [], name
        else:
            assert unannotated(value) == [], name


def test_the_check_sees_a_missing_annotation():
    """The run-time check can fail"""
    def partly(x: int, y) -> int:
        return x

    def no_return(x: int):
        return x

    assert unannotated(partly) == ['y']
    assert unannotated(no_return) == ['return']
