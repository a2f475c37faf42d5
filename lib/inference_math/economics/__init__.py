"""What it costs (chapters 8 to 13): API prices and GPU-hours (``prices``), GPU prices by
how they are bought (``price_tiers``), what an API alias charged when (``api_history``), what
a token costs and the break-even batch (``breakeven``), workloads and their targets
(``workloads``), how many tokens a text makes (``token_counts``), what quantization costs in
quality (``quant_quality``), and verdicts over the range of what decides them
(``verdicts``).
"""
