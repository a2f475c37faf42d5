"""The evidence (chapters 7 and 10): the source article's claims (``article``) and measured
runs (``appendix``), the roofline fitted to them (``calibration``), published measurements of
real servers and the per-op model fitted to those (``measurements``), and one GPU run of this
book's own benchmark (``gpu_run``).
"""
