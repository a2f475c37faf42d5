"""Self-checking exercises: ``check("ch01-weights-int4", my_answer)``.

Every exercise of the book is registered here with what it practises, its difficulty and
time, and (when its answer is a number) a function that computes the answer from the library,
so that a change of scenario changes the answer too. ``check`` says whether a learner's number
is right within the exercise's tolerance and, when it is not, names the slip its ratio to the
right answer suggests (KB versus KiB, query heads versus KV heads, ...).

The chapters' registrations live outside the library, in a distribution of their own
(``answers/`` of the book's repository, installed by ``make book``), which announces itself
through the entry point group ``ANSWERS_GROUP``; the environment variable
``INFERENCE_MATH_ANSWERS`` names another importable module instead, or "none". A library
installed without them (the wheel a student is given for graded work) has no answers, and
``check`` says that self-study needs them. ``make assignments`` turns the same registry into
graded assignments (tools/assignments.py).
"""

from __future__ import annotations

import importlib
import math
import os
import re
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Callable

from ..core.checks import lookup


@dataclass(frozen=True)
class Exercise:
    label: str
    chapter: int
    title: str
    practises: str
    kind: str  # compute, derive, explain, extend or estimate (napkin math, by hand)
    difficulty: int  # 1 (warm-up) to 3 (hard)
    minutes: int
    answer: Callable[[], float] | None = None  # None: not a single number
    rel_tol: float | None = None  # None: no tolerance given (neither check nor grading works)
    unit: str = ""

    @property
    def level(self) -> str:
        """How the book shows the exercise's level: "compute · difficulty 1 of 3 · 5 min"."""
        return f"{self.kind} · difficulty {self.difficulty} of 3 · {self.minutes} min"


KINDS = ("compute", "derive", "explain", "extend", "estimate")
EXERCISES: dict[str, Exercise] = {}
ANSWERS_GROUP = "inference_math.answers"
ANSWERS_ENV = "INFERENCE_MATH_ANSWERS"
_loaded: list[str] = []  # the answers' module, once it has been imported

# Ratios of a wrong answer to the right one, and the slip each usually means.
_SLIPS = [
    (1.024, "off by 1024/1000: KiB versus KB?"),
    (1.024**2, "off by 1024^2/1000^2: MiB versus MB?"),
    (1.024**3, "off by 1024^3/1000^3: GiB versus GB?"),
    (8.0, "off by a factor of 8: query heads (64) instead of KV heads (8)?"),
    (1000.0, "off by 1000: a unit prefix (K, M, G) or per-1K versus per-token?"),
    (1e6, "off by a million: a unit prefix, or per-1M versus per-token?"),
    (2.0, "off by a factor of 2: K and V, multiply-and-add, or 2 bytes per bf16 number?"),
    (1.5, "off by 3/2: three FFN matrices (gated) versus two?"),
    (4.0, "off by a factor of 4: bf16 versus int4, or fp32 versus bf16 (twice)?"),
    (3600.0, "off by 3600: per hour versus per second?"),
]


def exercise(
    label: str,
    *,
    title: str,
    practises: str,
    kind: str,
    difficulty: int,
    minutes: int,
    rel_tol: float | None = None,
    unit: str = "",
):
    """Register the decorated function as the answer of exercise ``label`` ("chNN-name", the
    chapter read from it), in a module of ``answers/``::

        @exercise("ch99-example", title="A title", practises="what it practises",
                  kind="compute", difficulty=1, minutes=5, rel_tol=0.005, unit="GB")
        def _example():
            return ...  # the answer, computed with the library

    ``exercise(...)(None)`` registers an exercise without a single numeric answer; neither
    ``check`` nor ``make assignments`` can grade it. ``rel_tol`` is the relative tolerance a
    right answer must meet; without it the exercise cannot be graded either.
    """
    chapter = _chapter(label)
    if kind not in KINDS:
        raise ValueError(f"exercise {label!r}: kind {kind!r} not one of {', '.join(KINDS)}")
    if difficulty not in (1, 2, 3):
        raise ValueError(f"exercise {label!r}: difficulty must be 1, 2 or 3, got {difficulty!r}")
    if label in EXERCISES:
        raise ValueError(f"exercise {label!r} is registered twice")

    def register(answer: Callable[[], float]) -> Callable[[], float]:
        EXERCISES[label] = Exercise(
            label, chapter, title, practises, kind, difficulty, minutes, answer, rel_tol, unit
        )
        return answer

    return register


def _chapter(label: str) -> int:
    match = re.fullmatch(r"ch(\d\d)-[a-z0-9-]+", label)
    if not match:
        raise ValueError(f"exercise label {label!r} must look like 'ch05-short-name'")
    return int(match.group(1))


def answers_module() -> str | None:
    """The module that registers the answers: ``$INFERENCE_MATH_ANSWERS`` if set ("none":
    none), else the one an installed entry point of ``ANSWERS_GROUP`` names; None
    where none is installed (the library a student is given)."""
    env = os.environ.get(ANSWERS_ENV)
    if env:
        return None if env.strip().lower() == "none" else env.strip()
    found = sorted(entry_points(group=ANSWERS_GROUP), key=lambda e: e.name)
    return found[0].value if found else None


def _load() -> None:
    name = answers_module()
    if name is None or _loaded:
        return
    _loaded.append(name)
    importlib.import_module(name)


class AnswersNotInstalled(LookupError):
    """The library was installed without the book's answers (as it is for graded work)."""


def get(label: str) -> Exercise:
    _load()
    if not EXERCISES:
        raise AnswersNotInstalled(
            f"exercise {label!r}: this installation of inference_math has no answers (im.check "
            "needs them for self-study: pip install -e answers, from the book's repository)"
        )
    return lookup("exercise", label, EXERCISES)


def all_exercises() -> list[Exercise]:
    _load()
    return sorted(EXERCISES.values(), key=lambda e: (e.chapter, e.label))


def expected(label: str) -> float:
    """The right answer, computed by the library now."""
    ex = get(label)
    if ex.answer is None:
        raise ValueError(f"exercise {label!r} has no single numeric answer to check")
    return float(ex.answer())


def why_unset(env: dict, name: str) -> str:
    """Why a graded notebook's answer variable ``name`` is not set, for its tests' message: the
    error its cell raises (the cell is found in IPython's input history, ``In``, and run again
    on a copy of the notebook's namespace), or that no cell set it."""
    for source in reversed(list(env.get("In") or [])):
        if re.search(rf"^\s*{re.escape(name)}\s*=", source, flags=re.M):
            try:
                exec(compile(source, "<answer cell>", "exec"), dict(env))
            except Exception as e:  # the student's error, reported, never raised
                return f"its cell raises {type(e).__name__}: {e}"
            return "its cell runs but does not set it"
    return "no cell that sets it has run"


def slip_texts() -> list[str]:
    """The slips ``hint`` can name, one sentence each ("off by 8: query heads ...?")."""
    return [text for _, text in _SLIPS]


def slips() -> list[tuple[float, str]]:
    """The slips ``hint`` can name, as (ratio of a wrong answer to the right one, sentence)."""
    return list(_SLIPS)


def hint(answer: float, right: float, among: list[tuple[float, str]] | None = None) -> str:
    """The slip a wrong answer's ratio to the right one suggests (from ``among``, default
    every slip of ``slips()``; make assignments passes those that fit the question), or a
    general nudge."""
    if right == 0 or answer == 0 or not math.isfinite(answer):
        return "check the units and the formula's terms one by one."
    if (answer < 0) != (right < 0):
        return "the sign is wrong."
    ratio = abs(answer / right)
    for factor, text in _SLIPS if among is None else among:
        for r in (factor, 1 / factor):
            if abs(ratio / r - 1) < 0.005:
                return text + (" (yours is larger)" if r > 1 else " (yours is smaller)")
    direction = "high" if ratio > 1 else "low"
    return (
        f"yours is {ratio:.3g} times the answer ({direction}); check each factor of the "
        f"formula and its units."
    )


def check(label: str, answer, quiet: bool = False) -> bool:
    """True when ``answer`` is within the exercise's tolerance of the right answer. Prints a
    one-line verdict (unless ``quiet``), with a hint when the answer is wrong.
    Every chapter's exercises use it (chapter 1 first)."""
    if answer is None or answer is ...:
        if not quiet:
            print(f"{label}: replace the ... with your answer and run the cell again.")
        return False
    ex = get(label)
    right = expected(label)
    if ex.rel_tol is None:
        raise ValueError(f"exercise {label!r} has no tolerance to check against")
    value = float(answer)
    ok = math.isclose(value, right, rel_tol=ex.rel_tol)
    if not quiet:
        unit = f" {ex.unit}" if ex.unit else ""
        if ok:
            print(f"{label}: correct ({value:.6g}{unit}, within {ex.rel_tol:.1%}).")
        else:
            print(f"{label}: not yet: {value:.6g}{unit}; {hint(value, right)}")
    return ok
