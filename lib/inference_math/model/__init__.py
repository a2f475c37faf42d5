"""What a model is (chapters 1 to 3): its architecture (``spec``), the parameter counts that
follow (``architecture``), the catalog and ``get_model`` (``catalog``), Hugging Face configs
(``hfconfig``, with the families it reads in ``families``, their per-family parts in
``hflayers`` and image encoders in ``vision``), number formats (``formats``), how a
checkpoint stores its weights (``stored``, read from a config by ``quantconfig`` with the
module names of ``modulenames``), sliding windows and chunks (``windows``), and the bytes
(``sizes``) and FLOPs (``flops``) of a token. Independent of any GPU.
"""
