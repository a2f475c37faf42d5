"""Each exercise's header shows its level: kind, difficulty and minutes, read from the exercise
registry (inference_math.book.exercises), so no number about an exercise is typed into a chapter.

sphinx-exercise builds the exercise boxes ("Exercise 3"); after its post-transforms have given
them their titles, this adds a span to each title, "compute · difficulty 1 of 3 · 5 min",
found by the exercise's label. The chapters need no change: a new exercise shows its level as
soon as it is registered. A label on a page that the registry does not know is a warning (so a
strict build fails), unless the registry is absent altogether (a library without answers).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)
CSS = """
.exercise-level { font-weight: normal; font-size: 0.85em; opacity: 0.8; margin-left: 0.6em; }
.exercise-level::before { content: "· "; }
"""


def _registry():
    try:
        import inference_math as im
    except ImportError:  # the book's own build always has it; be quiet elsewhere
        return {}
    return {e.label: e for e in im.exercises.all_exercises()}


class ShowExerciseLevels(SphinxPostTransform):
    # after sphinx-exercise's ResolveTitlesInExercises (default priority 10)
    default_priority = 900

    def run(self, **kwargs):
        from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

        registry = _registry()
        if not registry:
            return
        for node in self.document.findall(
            lambda n: isinstance(n, (exercise_node, exercise_enumerable_node))
        ):
            label = node.get("label", "")
            ex = registry.get(label)
            if ex is None:
                logger.warning(
                    f"exercise {label!r} is not in the exercise registry (answers/)",
                    location=node,
                )
                continue
            # sphinx-exercise has replaced its own title node by a plain title by now
            title = node.children[0] if node.children else None
            if not isinstance(title, nodes.title) or any(
                "exercise-level" in c.get("classes", []) for c in title.findall(nodes.inline)
            ):
                continue
            title += nodes.inline(ex.level, ex.level, classes=["exercise-level"])


def _write_css(app, exception):
    if exception is None and app.builder.format == "html":
        from pathlib import Path

        target = Path(app.outdir) / "_static" / "exercise-levels.css"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(CSS, encoding="utf-8")


def setup(app):
    app.add_post_transform(ShowExerciseLevels)
    app.add_css_file("exercise-levels.css")
    app.connect("build-finished", _write_css)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
