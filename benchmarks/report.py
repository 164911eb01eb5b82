"""What the benchmark scripts share: publishing their results."""
from torchcrepe.files import atomic_write


def publish(text, path=None):
    """Print `text`; also write it to `path` when one is given"""
    print(text)
    save(text, path)


def save(text, path):
    """Write `text` (newline-terminated) to `path`, if any, atomically: an
    interrupted run leaves the previous file as it was"""
    if path:
        with atomic_write(path, 'w') as file:
            file.write(text if text.endswith('\n') else text + '\n')
