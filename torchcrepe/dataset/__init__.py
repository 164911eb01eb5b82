"""Folder mode's parts, bottom to top: base (the rest of torchcrepe),
listing, profile (seconds per stage), reading (one file to 16 kHz),
tracking (cross-file batching), outputs, chunk (a chunk of files, start to
end), pool (the local engine: worker processes doing whole chunks), driver
(one run: skip, log, summarise). torchcrepe.folder and
torchcrepe.distributed build on them."""
