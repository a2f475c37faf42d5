"""What it costs (chapters 8 to 13): API prices and GPU-hours (``prices``), what a token
costs and the break-even batch (``breakeven``), workloads and their targets (``workloads``),
how many tokens a text makes (``token_counts``), and what quantization costs in quality
(``quant_quality``).
"""
