"""The package's shape: imports go one way, no module reaches into
another's private names, modules and functions stay small.

Imports are read from the source (every `import`, including those inside
functions), so a cycle hidden in a function body is caught too.
"""
import ast
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       'torchcrepe')

# Most lines a module and a function may have
MODULE_LINES = 500
FUNCTION_LINES = 80


def modules():
    """{dotted module name: path} of every module in the package"""
    found = {}
    root = os.path.dirname(PACKAGE)
    for directory, _, names in os.walk(PACKAGE):
        for name in names:
            if name.endswith('.py'):
                path = os.path.join(directory, name)
                dotted = os.path.relpath(path, root)[:-3].replace(os.sep, '.')
                if dotted.endswith('.__init__'):
                    dotted = dotted[:-len('.__init__')]
                found[dotted] = path
    return found


MODULES = modules()


def parse(name):
    with open(MODULES[name], encoding='utf-8') as file:
        return ast.parse(file.read(), MODULES[name])


def is_package(name):
    return MODULES[name].endswith('__init__.py')


def imports(name):
    """[(imported module, imported name or None, node)] of `name`'s source,
    for modules of this package only"""
    found = []
    for node in ast.walk(parse(name)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split('.')[0] == 'torchcrepe':
                    found.append((alias.name, None, node))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = name.split('.')
                base = parts if is_package(name) else parts[:-1]
                base = base[:len(base) - node.level + 1]
                target = '.'.join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ''
            if target.split('.')[0] != 'torchcrepe':
                continue
            for alias in node.names:
                found.append((target, alias.name, node))
    return found


def edges(name):
    """The package's modules that `name` imports"""
    targets = set()
    for target, imported, _ in imports(name):
        submodule = f'{target}.{imported}'
        targets.add(submodule if submodule in MODULES else target)
    targets.discard(name)
    return {target for target in targets if target in MODULES}


def find_cycle(graph):
    """One import cycle as a list of modules, or None"""
    state = {}

    def visit(node, path):
        state[node] = 'open'
        for target in sorted(graph[node]):
            if state.get(target) == 'open':
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target, path + [target])
                if cycle:
                    return cycle
        state[node] = 'done'
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [node])
            if cycle:
                return cycle
    return None


def test_no_import_cycle():
    graph = {name: edges(name) for name in MODULES}
    cycle = find_cycle(graph)
    assert cycle is None, 'import cycle: ' + ' -> '.join(cycle)


def test_cycle_finder_finds_cycles():
    """The check above can fail: it sees a cycle through a function's import"""
    assert find_cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']
    assert find_cycle({'a': {'b'}, 'b': set(), 'c': {'a', 'b'}}) is None
    # `pipeline` imports `network`, which must not import `pipeline` back,
    # not even inside a function
    assert 'torchcrepe.network' in edges('torchcrepe.pipeline')


def private(name):
    return name.startswith('_') and not (name.startswith('__') and name.endswith('__'))


def test_no_private_name_crosses_modules():
    offences = []
    for name in MODULES:
        tree = parse(name)
        bound = {}
        for target, imported, node in imports(name):
            if imported is None:
                continue
            if private(imported):
                offences.append(f'{name}:{node.lineno} imports {target}.{imported}')
            submodule = f'{target}.{imported}'
            if submodule in MODULES:
                alias = next(a for a in node.names if a.name == imported)
                bound[alias.asname or imported] = submodule
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and private(node.attr) and \
                    isinstance(node.value, ast.Name) and node.value.id in bound:
                offences.append(f'{name}:{node.lineno} reads '
                                f'{bound[node.value.id]}.{node.attr}')
    assert offences == []


@pytest.mark.parametrize('name', sorted(MODULES))
def test_small_modules_and_functions(name):
    with open(MODULES[name], encoding='utf-8') as file:
        lines = file.read().count('\n')
    assert lines <= MODULE_LINES, f'{name} has {lines} lines'
    for node in ast.walk(parse(name)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= FUNCTION_LINES, \
                f'{name}.{node.name} has {length} lines'


def command_line(name):
    """Whether module `name` is part of the command line: torchcrepe.cli
    and its modules, or a `__main__` entry point"""
    return name == 'torchcrepe.cli' or name.startswith('torchcrepe.cli.') \
        or name.split('.')[-1] == '__main__'


def imports_argparse(name):
    for node in ast.walk(parse(name)):
        if isinstance(node, ast.Import):
            if any(alias.name.split('.')[0] == 'argparse' for alias in node.names):
                return True
        elif isinstance(node, ast.ImportFrom) and not node.level and \
                (node.module or '').split('.')[0] == 'argparse':
            return True
    return False


def test_only_the_command_line_parses_arguments():
    """argparse belongs to torchcrepe/cli/ (and the __main__ modules): the
    library takes Python arguments and never reads a command line"""
    outside = sorted(name for name in MODULES
                     if not command_line(name) and imports_argparse(name))
    assert outside == []
    assert imports_argparse('torchcrepe.cli.parser')


def test_nothing_below_the_command_line_imports_it():
    """cli/ is the top layer: only it and the __main__ modules import it"""
    offences = sorted(f'{name} imports {target}' for name in MODULES
                      if not command_line(name) for target in edges(name)
                      if command_line(target) and not target.endswith('__main__'))
    assert offences == []


def inside(name, package):
    return name.startswith(package + '.')


def test_nothing_outside_folder_mode_imports_its_insides():
    """Folder mode is one package: the rest of torchcrepe uses what
    torchcrepe.folder exports, never its modules"""
    offences = sorted(f'{name} imports {target}' for name in MODULES
                      if name != 'torchcrepe.folder'
                      and not inside(name, 'torchcrepe.folder')
                      for target in edges(name)
                      if inside(target, 'torchcrepe.folder'))
    assert offences == []
    # The check sees an import of a folder module where there is one
    assert 'torchcrepe.folder.base' in edges('torchcrepe.folder.batching')


def test_only_the_engine_makes_a_decode_stream():
    """One frame loop: predict, live and folder mode drive engine.Decoding;
    only the engine makes the decoder's Stream (and decode.stream itself)"""
    makers = set()
    for name in MODULES:
        for node in ast.walk(parse(name)):
            if isinstance(node, ast.Call) and (
                    getattr(node.func, 'attr', None) == 'Stream'
                    or getattr(node.func, 'id', None) == 'Stream'):
                makers.add(name)
    assert makers == {'torchcrepe.engine'}


def test_package_init_files_only_re_export():
    """A subpackage's __init__.py holds its docstring, imports and
    __all__; the code lives in its modules (the top-level __init__ also
    holds the lazy `singing` attribute)"""
    offences = []
    for name in MODULES:
        if not is_package(name):
            continue
        for node in parse(name).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # the docstring
            if isinstance(node, ast.Assign) and [
                    getattr(target, 'id', None) for target in node.targets] == ['__all__']:
                continue
            if name == 'torchcrepe' and isinstance(node, ast.FunctionDef) \
                    and node.name == '__getattr__':
                continue
            offences.append(f'{name}:{node.lineno}')
    assert offences == []
