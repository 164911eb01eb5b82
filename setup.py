from setuptools import find_packages, setup

with open('README.md', encoding='utf-8') as file:
    long_description = file.read()

setup(
    name='torchcrepe',
    version='0.0.25',
    description='Pytorch implementation of CREPE pitch tracker, all five capacities',
    long_description=long_description,
    long_description_content_type='text/markdown',
    license='MIT',
    packages=find_packages(include=['torchcrepe', 'torchcrepe.*']),
    # py.typed: the package's annotations are its API's types (PEP 561)
    package_data={'torchcrepe': ['assets/*.pth', 'py.typed']},
    python_requires='>=3.8',
    install_requires=['torch>=2.0', 'numpy', 'scipy', 'resampy', 'tqdm'],
    extras_require={
        # tools/convert_keras.py reads Keras HDF5 weight files
        'convert': ['h5py'],
        # FLAC, OGG and MP3 input (WAV needs nothing extra)
        'audio': ['soundfile'],
        # --plot and torchcrepe.plot
        'plot': ['matplotlib'],
        # torchcrepe.export and backend='onnx': ONNX (torch's exporter
        # writes it with onnxscript), onnxruntime, Core ML packages
        'export': ['onnx', 'onnxscript', 'onnxruntime', 'coremltools'],
        # benchmarks/accuracy.py's melody metrics and plots
        'benchmark': ['mir_eval', 'matplotlib'],
        # torchcrepe.distributed and folder mode's --engine ray
        'ray': ['ray[data]'],
        # python -m torchcrepe --live mic: the default microphone
        'live': ['sounddevice'],
        # singing.read_targets of MIDI files
        'score': ['mido'],
        # the test suite: everything above plus pytest, build and mypy
        # (tests/test_types.py type-checks the package with mypy.ini)
        'test': ['pytest', 'build', 'h5py', 'soundfile', 'matplotlib',
                 'onnx', 'onnxscript', 'onnxruntime', 'coremltools',
                 'mir_eval', 'ray[data]', 'mido', 'mypy'],
    },
    entry_points={'console_scripts': ['torchcrepe=torchcrepe.__main__:run']},
)
