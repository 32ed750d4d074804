"""Compilation: a tracr RASP program to a `Net`, refusing what tracr would miscompile.

The front and middle end are tracr's own (`rasp_to_graph`, `basis_inference`,
`expr_to_craft_graph`, `craft_graph_to_model`); our passes run between them, and our assembly
replaces tracr's last step (same parameter names and values, same residual labels, same token
ids, no Haiku or jax, milliseconds). `compile.py` chains them; each pass takes what earlier ones
computed as arguments and returns what later ones need:

    arguments.py   vocab, max_seq_len, BOS/PAD and the limits; kinds tracr cannot compile; label
                   clashes; the residual width once value sets are known
    facts.py       `Facts`: every S-Op's value set (the rule of `compiler.language.values`),
                   tables, what may be None, where a function may raise
    aggregates.py  categorical Aggregates that would average one-hot codes (tracr #11)
    flags.py       fetches of positions a running count flags: one position at every query,
                   or some position (shared with the decompiler's certificate)
    pairs.py       fetches shown two positions at a time: the program followed at any two
                   positions of any input, counts bounded by what the two count of each other,
                   no pair one query chooses holding two values (the first flagged row, a mode)
    defined.py     programs undefined on some input (a raising function, None compared or
                   averaged): evaluated on every input where there are few, else refused; the
                   exhaustive net-vs-program comparison for what aggregates.py cannot clear
    causal.py      causal programs whose net would differ from the program on prefixes (tracr #19)
    exactness.py   the mlp_exactness that makes every discretising MLP exact, and tracr's value
                   sets corrected where a mean's values are missing (tracr #7)
    bos.py         what every S-Op holds at BOS, the MLPs to silence there, and selectors that
                   would see a None the net holds as a value (tracr #25)
    blocks.py      total copies of raising functions; blocks tracr builds wrongly replaced
                   (tracr #24 lookup tables, silenced MLPs, SelectorWidth neuron names, a
                   margin on categorical SequenceMaps whose inputs may be off a one-hot, flat
                   lookups for categorical->numerical Maps whose error a sum could keep)
    craft_fast.py  tracr's costliest craft blocks (discretising and sequence-map MLPs, parallel
                   combination) written straight into their matrices: the same bits, ~25% less
                   compile time
    layers.py      tracr's layer allocation, with each layer's parallel MLPs combined by matrix
                   blocks (tracr's combination loops over directions in Python; same weights)
    assemble.py    the craft model to weights, heads sharpened where tracr's softmax is too soft
    check.py       the property every net must have: it computes what its program computes

Every refusal is a `CompileError` naming the operation (by the program's name for it where
that is unique) and the reason; tracr's own refusals are caught and worded the same way.
"""
