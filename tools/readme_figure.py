"""Draws docs/cost-vs-batch.png, the README's figure, from the library.

.venv/bin/python tools/readme_figure.py
"""

import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import inference_math as im  # noqa: E402
from inference_math.book import PALETTE, style  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[1] / "docs" / "cost-vs-batch.png"


def main() -> None:
    style()
    batch = np.unique(np.geomspace(1, 4096, 80).round())
    api = im.get_api_price(im.ARTICLE_API)
    fig, ax = plt.subplots(figsize=(7, 4))
    for colour, gpus, width, style_ in zip(PALETTE, (2, 8), (5, 2), ("-", ":")):
        r = im.estimate(
            im.deployment(scenario="article-2023", gpus=gpus),
            batch=batch,
            prompt=512,
            completion=512,
        )
        fits = r["fits"]
        ax.loglog(
            batch[fits],
            r["usd_per_1k_completion"][fits],
            color=colour,
            lw=width,
            ls=style_,
            label=f"Llama-2-70B, {gpus} x A100-80GB (article's assumptions)",
        )
        last = np.flatnonzero(fits)[-1]
        ax.plot(batch[last], r["usd_per_1k_completion"][last], "o", color=colour)
        ax.annotate(
            f"{gpus} GPUs: KV cache full",
            (batch[last], r["usd_per_1k_completion"][last]),
            textcoords="offset points",
            xytext=(-6, -14 if gpus == 2 else 8),
            ha="right",
            fontsize=8,
            color=colour,
        )
    ax.axhline(
        api.usd_per_1k_output,
        color=PALETTE[3],
        ls="--",
        label=f"{api.name}, ${api.usd_per_1k_output} per 1K output tokens",
    )
    ax.set_xlabel("batch size (sequences of 512 + 512 tokens)")
    ax.set_ylabel("USD per 1K completion tokens")
    ax.set_title("Batching makes completion tokens cheaper, until memory runs out", fontsize=11)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT, dpi=120, facecolor="white")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
