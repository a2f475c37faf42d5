"""What each built page must show: its key sentences and numbers, glued from the library.

One table for every page (the values each chapter's issue named as acceptance figures), one
test. tests/build/test_glued_values.py guards every glued value; this guards the sentences around
them and that no glue role is left unreplaced."""

import pytest

from bookfiles import page_text

pytestmark = pytest.mark.book

PAGE_SHOWS = {
    "chapters/01-parameters": [
        "68,976,648,192",
        "137.95 GB",
        "128.5 GiB",
        "140 GB",
        "13,015,864,320",
        "68.98 billion",
    ],
    "chapters/02-flops-per-token": [
        "140 GFLOP",
        "137.95 GFLOP",
        "137.43 GFLOP",
        "137,953,296,384",
        "137,426,370,560",
        "5,242",
        "2.62 MFLOP",
    ],
    "chapters/03-weights-and-kv-cache": [
        "320 KiB",
        "327,680",
        "140 GB",
        "137.95 GB",
        "328 KB",
        "50,859",
        "61,035",
    ],
    "chapters/04-roofline": [
        "153 is the A100-80GB",
        "156 is the article",
        "208 is Kipply",
        "2.039 TB/s",
        "1.555 TB/s",
        "1.5 TB/s",
        "ratio is 201",
        "0.66% of peak",
    ],
    "chapters/05-prefill": [
        "179 ms",
        "538 ms",
        "about 170 ms",
        "530 ms",
        "180 ms and 540 ms",
        "189 ms",
        "572 ms",
        "2,857 tokens/s",
        "153.8",
        "153.6",
        "53.8 ms",
        "56.4 ms",
        "$0.00043",
        "$0.00042",
    ],
    "chapters/06-decode-and-batching": [
        "18.6 tokens/s",
        "17.7 tokens/s",
        "2.87 s",
        "11.5 s",
        "20.1 s",
        "179 ms",
        "2,892 tokens",
        "50,859 tokens",
        "$0.066",
    ],
    "chapters/07-own-machine": [
        "lab-156m",
        "155,730,944",
        "623 MB",
        "21%",
        "0.38%",
        "7,934,976",
        "median predicted/measured",
        "6,738,415,616",
        "NVIDIA H100 80GB HBM3",
        "2026-11-26",
        "1,386",
        "426",
        "989 TFLOP/s",
        "3.35 TB/s",
        "512 KiB",
    ],
    "chapters/08-prompt-tokens-cheap": [
        "Llama-2-70B on two A100-80GB processes prompts for $0.000430 per 1K tokens. The article printed $0.00042 ,",
        "Against gpt-3.5-turbo’s $0.0015 (the 2023-06-13 snapshot) that is 3.5× cheaper, or 3.6× with the article’s rounding",
        "$0.00042 $0.0015 3.6×",
        "$0.000430 $0.0015 3.5×",
    ],
    "chapters/09-completion-tokens-dear": [
        "a completion token on two A100-80GB costs $0.066 per 1K at batch 1, against gpt-3.5-turbo’s $0.002 . It takes a batch of 34 to break even.",
        "push the break-even batch to 48 , which does not fit on two GPUs",
        "15.1 s instead of gpt-3.5-turbo’s 0.4 s",
        "Llama-2-70B on two A100s needs a batch of 34 to match gpt-3.5-turbo’s $0.002",
    ],
    "chapters/10-theory-vs-measurement": [
        "8.5%",
        "9.1%",
        "0.572",
        "0.563",
        "26.8 ms",
        "7.9%",
        "4.3%",
        "5.2%",
        "137.95 GB",
        "640 GB",
        "1.5 TB/s",
        "2.039 TB/s",
        "65.8%",
        "$0.00043",
        "179 ms",
    ],
    "chapters/11-workloads": [
        "GPT-3.5 is 2.6× cheaper",
        "Llama-2-70B on 8 x A100, 3.3×",
        "from $1.2 to $2.5 per thousand requests",
        "under 272 on eight",
        "a batch of 11 still starts within 980 ms",
        "misses the target",
        "at half utilisation, under 10 and 65",
    ],
    "chapters/12-closed-models-cheaper": [
        "$0.066",
        "$0.017",
        "$0.022",
        "$0.002 of gpt-3.5-turbo-0613",
        "46,702,792,704",
        "12,879,925,248",
        "25.8 GB",
        "93.4 GB",
        "by batch 17",
        "2.47×",
        "3.95 tokens",
        "$0.12 per thousand chat requests",
        "51% of gpt-4o-mini",
        "does not fit on one H100 node",
        "618.5 GB",
        "$0.00060",
        "(2024-07-18)",
        "(2026-08-26)",
        "84.2% (H, S, D)",
        "57.5 ms",
        "29%",
    ],
    "chapters/13-pitfalls": [
        "on two A100s, it is 2.7× cheaper than gpt-3.5-turbo for classification",
        "2.6× its price for chat",
        "$0.00043 instead of $0.066",
        "154×",
        "2,860 tokens/s",
        "18.6 tokens/s",
        "18,453 tokens",
        "50,859 tokens",
        "624 TFLOP/s",
        "$0.00021",
        "$0.0416",
        "$0.0677",
        "2,560 KiB per token instead of 320 KiB",
        "8.0×",
        "$0.00254",
        "$0.00194",
        "315 ms",
        "15.1 s",
        "0.86×",
        "0.29×",
        "context of 4,096; computed anyway",
        "8,096 tokens",
    ],
    "notation": [
        "327,680",
        "320 KiB",
        "328 KB",
    ],
}


@pytest.mark.parametrize("doc", sorted(PAGE_SHOWS))
def test_page_shows(built, doc):
    text = page_text(doc)
    missing = [value for value in PAGE_SHOWS[doc] if value not in text]
    assert not missing, f"{doc} does not show {missing}"
    assert "{glue" not in text, f"{doc} shows a raw glue role"


@pytest.mark.parametrize("doc", [d for d in PAGE_SHOWS if d.startswith("chapters/")])
def test_each_displayed_equation_appears_once(built, doc):
    """A glued equation ({glue:math}) is shown where the prose puts it, and nowhere else on
    the page (not also as the output of the cell that glued it)."""
    from collections import Counter

    from bs4 import BeautifulSoup

    from bookfiles import ROOT

    html = (ROOT / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8")
    article = BeautifulSoup(html, "html.parser").select_one("article")
    shown = Counter(" ".join(m.get_text().split()) for m in article.select("div.math"))
    assert not [m for m, n in shown.items() if n > 1], doc
