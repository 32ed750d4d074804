"""The `Net` runtime: weights plus what is needed to run, save, trace and exchange them.

    config.py      `NetConfig` and the parameter names and shapes it implies
    weights.py     the weights by TransformerLens name, per layer and head (`W_Q[l, h]`, `QK`, `OV`)
    forward.py     the dense forward pass (numpy, torch), tracr's arithmetic exactly
    kernel.py      the sparse numba kernel that runs compiled nets (loaded on first use)
    importing.py   the fields of a `Net` read from tracr's and TransformerLens's models
    net.py         `Net`: run, encode/decode, safetensors I/O, `from_tracr`, `from_hooked_transformer`
    lens.py        a `Net` as a TransformerLens `HookedTransformer`, and as its files

Imports flow down this list.
"""
