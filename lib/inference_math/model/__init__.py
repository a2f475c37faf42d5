"""What a model is (chapters 1 to 3): its architecture (``spec``), the parameter counts that
follow (``architecture``), the catalog and ``get_model`` (``catalog``), Hugging Face configs
(``hfconfig``), number formats (``formats``), sliding windows (``windows``), and the bytes
(``sizes``) and FLOPs (``flops``) of a token. Independent of any GPU.
"""
