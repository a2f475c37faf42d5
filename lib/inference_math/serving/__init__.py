"""How long a step takes and how a server batches (chapters 3, 5, 6, 9 and 13): a model on
GPUs (``deployment``), the time of a forward pass (``steps``), static and continuous batching
(``batching``), the one entry point ``estimate`` (``estimator``), what fits in memory
(``memory``), speculative decoding (``speculative``) and the wait for a free slot
(``queueing``).
"""
