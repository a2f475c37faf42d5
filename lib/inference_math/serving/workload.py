"""What a server is asked to do: a kind of request, with the latency it must be served within
(chapter 11). ``estimate`` takes a deployment and one of these; ``economics.workloads``
prices them.

The catalog is illustrative: typical shapes, with their reasons and sources, not
measurements of anyone's traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import checks


@dataclass(frozen=True)
class Workload:
    """One kind of request: ``prompt`` tokens in, ``completion`` tokens out, and the latency
    it must be served within (None: no target, as for an offline job). Chapter 11 uses it."""

    name: str
    prompt: int
    completion: int
    ttft_target_s: float | None  # time to first token, at most
    tokens_per_s_target: float | None  # completion tokens per second per sequence, at least
    rationale: str
    source: str
    date: str


_THIS_BOOK = "illustrative assumption of this book"
_SANGER = "Sanger (2023), who names it among the workloads that suit Llama-2"
_SPLITWISE = "Patel et al. (2024), Splitwise, section III-A: medians of Azure's production traces"
_DISTSERVE = "Zhong et al. (2024), DistServe, on the latency each application needs"

# fmt: off
WORKLOADS: dict[str, Workload] = {w.name: w for w in [
    Workload("classification", 1000, 5, 1.0, None,
             "An instruction, a few labelled examples and the text to label go in; a label of "
             "a few tokens comes out. Online (routing a ticket as it arrives), so the label "
             "should be back within a second; it is too short for a streaming rate to matter.",
             f"{_THIS_BOOK}; prompt-dominated shape from {_SANGER}", "2023-07"),
    Workload("reranking", 500, 1, 0.5, None,
             "A query and one candidate passage go in; one token (relevant or not, whose "
             "probability is the score) comes out. A search page waits for it, so half a "
             "second.", f"{_THIS_BOOK}; prompt-dominated shape from {_SANGER}", "2023-07"),
    Workload("chat", 1020, 129, 1.0, 10.0,
             "The conversation so far goes in, a reply of a paragraph or two comes out. The "
             "reply must start within a second and then stream faster than people read "
             "(about 10 tokens/s, a new token every 100 ms).",
             f"{_SPLITWISE} (conversation: 1020 tokens in, 129 out); targets: {_THIS_BOOK}, "
             f"after {_DISTSERVE}", "2023-11"),
    Workload("summarisation", 3000, 250, 5.0, 10.0,
             "A document that fills most of Llama-2's 4096-token context goes in, a summary of "
             "a few paragraphs comes out. The user has handed over a document and will wait a "
             "few seconds for the start; then it streams at reading speed.",
             f"{_THIS_BOOK}; a loose first-token target for summaries as in {_DISTSERVE}",
             "2023-07"),
    Workload("code completion", 1500, 13, 0.5, 30.0,
             "The code around the cursor goes in, the next few words of code come out. The "
             "suggestion must appear while the programmer types: the first token within half a "
             "second and the rest (13 tokens at 30 tokens/s) within another half.",
             f"{_SPLITWISE} (coding: 1500 tokens in, 13 out); targets: {_THIS_BOOK}, after "
             f"{_DISTSERVE}", "2023-11"),
    Workload("generation with no prompt", 0, 512, 1.0, 10.0,
             "Nothing goes in (sampling from the bare model, for example synthetic text); a "
             "page of text comes out, streamed at chat's rate. With no prompt there is no "
             "prefill, so the first token is one decode step at any batch.",
             f"{_THIS_BOOK}; the case is {_SANGER}", "2023-07"),
    Workload("offline batch job", 1000, 200, None, None,
             "A document goes in, a structured extract or a description comes out, for a "
             "whole catalogue overnight. Nobody waits for any one request: no latency target.",
             f"{_THIS_BOOK}; the case is {_SANGER}", "2023-07"),
]}
# fmt: on


def get_workload(name_or_workload) -> Workload:
    """A catalog workload by name (close matches suggested), or a ``Workload`` as is.
    Chapter 11 uses it."""
    if isinstance(name_or_workload, Workload):
        return name_or_workload
    return checks.lookup("workload", name_or_workload, WORKLOADS)
