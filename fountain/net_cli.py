"""The `fountain` commands that read a network file: `show`, and `import` / `export` through
TransformerLens's files."""

from __future__ import annotations

import re
from pathlib import Path

from fountain.common import load_net_or_exit, output_file, parse_input, save_net


def cmd_import(args) -> None:
    """Writes the network of a TransformerLens model saved as files."""
    from compiler.nets.importing import ModelImportError
    from compiler.nets.lens import load_hooked_transformer_files

    output_file(args.output, args.model, args.config)
    for path in (args.model, args.config):
        if not Path(path).is_file():
            raise SystemExit(f"error: no such file {path!r}")
    tokens = parse_input(args.input_tokens) if args.input_tokens else None
    values = None if args.numerical else parse_input(args.output_values) if args.output_values else "config"
    try:
        net = load_hooked_transformer_files(args.model, args.config, tokens, values, bos=args.bos, pad=args.pad,
                                            **({"none_threshold": None} if args.argmax else {}))
    except ModelImportError as error:
        raise SystemExit(f"error: {error}")
    save_net(net, args.output)
    c = net.config
    print(f"wrote {args.output}: {c.n_layers} layers, {c.n_heads} heads, residual width {c.d_model}, "
          f"{len(net.vocab)} input tokens besides BOS and padding, "
          f"{'a numerical output' if net.output_values is None else f'{len(net.output_values)} output values'}")


def cmd_export(args) -> None:
    """Writes a network as a TransformerLens model's files."""
    from compiler.nets.lens import save_hooked_transformer_files

    net = load_net_or_exit(args.net)
    for path in (args.model, args.config):
        output_file(path, args.net)
    if Path(args.model).exists() and Path(args.config).exists() and Path(args.model).samefile(args.config):
        raise SystemExit("error: --model and --config name the same file; give two")
    try:
        save_hooked_transformer_files(net, args.model, args.config)
    except ImportError as error:
        raise SystemExit(f"error: {error}")
    except OSError as error:
        raise SystemExit(f"error: cannot write {error.filename or args.model}: {error.strerror or error}")
    print(f"wrote {args.model} and {args.config}")


def cmd_show(args) -> None:
    """Prints a network's shape, parameters and residual stream; optionally plots its weights."""
    if args.plot:
        output_file(args.plot, args.net)
    net = load_net_or_exit(args.net)
    config = net.config
    print(f"{args.net}: {config.n_layers} layers x {config.n_heads} heads (d_head {config.d_head}), "
          f"residual width {config.d_model}, MLP width {config.d_mlp}, max_seq_len {config.max_seq_len}"
          f"{', causal' if config.causal else ''}")
    provenance = net.provenance
    print(f"variant {provenance.get('variant')}; vocab {provenance.get('vocab')}")
    if provenance.get("source"):
        print("program:\n  " + provenance["source"].rstrip().replace("\n", "\n  "))
    print("parameters:")
    for name in sorted(net.params, key=_parameter_order):
        print(f"  {name:42s} {'x'.join(map(str, net.params[name].shape))}")
    print(f"  {'W_U':42s} {'x'.join(map(str, net.W_U.shape))}")
    print("residual stream:\n  " + " ".join(net.residual_labels))
    if args.plot:
        from compiler.plots import plot_weights

        print(f"wrote {plot_weights(net, args.plot)}")


_PARTS = ("attn/query", "attn/key", "attn/value", "attn/linear", "mlp/linear_1", "mlp/linear_2")


def _parameter_order(name: str) -> tuple:
    """Embeddings, then each layer's attention (Q, K, V, O) and MLP (in, out), weights before
    biases: the order the net computes in, the same on every run."""
    match = re.fullmatch(r"transformer/layer_(\d+)/(.+)/([wb])", name)
    if match is None:
        return (-1, name != "token_embed/embeddings", name)
    layer, part, kind = match.groups()
    return (int(layer), _PARTS.index(part) if part in _PARTS else len(_PARTS), kind == "b", name)
