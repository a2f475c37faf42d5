"""The exercises' answers, one module per chapter: the self-study ``im.check`` loads them from
this folder of a checkout of the book (``inference_math.book.exercises`` finds it beside ``lib/``).

They are kept out of the installable package on purpose: a library built for students
(``pip install .`` or the wheel ``make assignments`` writes) does not contain them, so graded
work cannot import its answers. ``make assignments`` reads them here to write the hidden tests.
"""
