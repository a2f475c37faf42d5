"""The exercises' answers, one module per chapter, each registering its exercises with
``inference_math.book.exercises.exercise`` when imported.

They are kept out of the library on purpose: the wheel ``make assignments`` builds for
students holds ``lib/`` alone, so graded work cannot import an answer. Installed (``make
book`` does ``pip install -e answers``), they announce themselves to the library through the
entry point ``inference_math.answers`` (``answers/pyproject.toml``), which ``im.check``
reads for self-study and ``make assignments`` reads to write the hidden tests.
"""

import importlib
import pkgutil

CHAPTERS = tuple(
    importlib.import_module(f"{__name__}.{m.name}")
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    if m.name.startswith("ch")
)
