"""Writing the command line's output so that a failure is never silent (``cli.py``).

Standard output can be closed (Python then sets ``sys.stdout`` to None and ``print`` writes
nothing), on a full disk, a pipe whose reader left, or a terminal whose encoding (cp1252 on
Windows, redirected) cannot show a model name read from a file. ``write_stdout`` says which,
so the command line can end with one line on stderr and a status of its own.
"""

from __future__ import annotations

import os
import sys

from .checks import printable

NOT_WRITTEN, ESCAPED = "not written", "escaped"


def write_stdout(text: str) -> tuple[str | None, str | None]:
    """Write ``text`` and a newline to standard output: (None, None) when written as is,
    else (``NOT_WRITTEN`` or ``ESCAPED``, the reason in words). Characters the stream's
    encoding cannot show are written as escapes (``\\xe9``), never dropped."""
    stream = sys.stdout
    if stream is None:  # Python starts with None where file descriptor 1 is closed
        return NOT_WRITTEN, "standard output is closed: nothing was written"
    encoding = getattr(stream, "encoding", None) or "utf-8"
    escaped = None
    try:
        text.encode(encoding)
    except UnicodeEncodeError as err:
        ch = err.object[err.start]
        escaped = (
            f"standard output's encoding ({encoding}) cannot show {ascii(ch)} "
            f"(U+{ord(ch):04X}) and others like it; they are written as escapes "
            "(set PYTHONIOENCODING=utf-8 to see them)"
        )
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know: the write says what happens
        pass
    try:
        stream.write(text + "\n")
        stream.flush()
    except BrokenPipeError:
        quiet_stdout()
        return NOT_WRITTEN, "the reader closed standard output (broken pipe): incomplete"
    except OSError as err:  # a full disk (ENOSPC), a file opened read-only (EBADF), ...
        quiet_stdout()
        return NOT_WRITTEN, f"cannot write standard output: {err.strerror or err}"
    except (ValueError, UnicodeError, LookupError) as err:  # a closed stream, a failing codec
        quiet_stdout()
        return NOT_WRITTEN, f"cannot write standard output: {printable(err)}"
    return (ESCAPED, escaped) if escaped else (None, None)


def write_stderr(lines) -> None:
    """Each of ``lines`` on standard error, if there is one to write to (print with
    ``file=None`` would write to standard output instead)."""
    for line in lines:
        if sys.stderr is None:
            return
        try:
            print(line, file=sys.stderr, flush=True)
        except (OSError, ValueError):  # stderr full or closed: the exit status still tells
            return


def quiet_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that Python's flush at exit cannot fail again
    and print a second message."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's stream), or closed
        pass
