"""What a GPU does (chapter 4): the catalog of GPUs with their dense rates, memory, bandwidth
and links (``gpus``), the roofline (``roofline``), and the shares of peak that real servers
reach (``efficiency``).
"""
