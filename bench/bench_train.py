"""Benchmark of interpreter training throughput, and of the fountain feeding it.

1. Training steps/s of the interpreter (`interpreter.BUDGET_CONFIG`'s model: encoder over
   weight tokens, decoder over program tokens) against the anchor, a plain `torch.nn.Transformer`
   of the same size (d_model, heads, layers, d_ff, GELU, pre-norm) with the same input projection
   and output head, on the same batches (forward, backward, AdamW step), in the same run.
2. The fountain's fresh nets per second with one worker (`interpreter.fountain_stream.fountain_unit`
   on the `small` recipe: sample, compile, scramble, verify, encode, as `fountain train --fountain`
   does) against the nets per second the trainer consumes (steps/s x batch size); and the same
   units with `--distinct-encodings` (one net per program: the circuit encoder reads a scramble as
   its compiled twin; and each unit draws only programs the stream uses, none of another split or
   too long to train on), whose nets are all distinct.

    python bench/bench_train.py [--steps 30] [--batch-size 32] [--units 1] [--device cpu]
                                [--recipe mixed] [--config interpreter/checkpoints/gpu-train.json]

`--recipe` times another recipe's work units (the default, `small`, is the anchor the README's
figures use; the shipped interpreter trains on `mixed`, whose bigger programs take longer);
`--config` another model size (a TrainConfig JSON, as `fountain train --config` takes it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from pathlib import Path

import torch
from absl import logging
from threadpoolctl import threadpool_limits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--units", type=int, default=1, help="fountain work units of 64 programs to time")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--recipe", default="small", help="the fountain's recipe (a name in datasets/ or a .toml)")
    parser.add_argument("--config", help="a TrainConfig JSON whose model to time (default: interpreter.BUDGET_CONFIG)")
    args = parser.parse_args()
    threadpool_limits(limits=1, user_api="blas")
    torch.set_num_threads(1)
    logging.set_verbosity(logging.ERROR)

    import interpreter
    from interpreter.batching import unpack
    from interpreter.data import collate
    from interpreter.fountain_stream import UNIT_PROGRAMS, distinct_variants, fountain_recipe, fountain_unit
    from interpreter.model import Interpreter, next_token_loss

    config = interpreter.BUDGET_CONFIG
    if args.config:
        from interpreter.train import TrainConfig

        config = TrainConfig.from_dict(json.loads(Path(args.config).read_text()))
    c = config.model
    encoder_json = json.dumps(dataclasses.asdict(c.encoder))
    recipe = fountain_recipe(args.recipe)[0]

    def fountain(recipe, usable_only: bool = False) -> tuple[list, float]:
        """Fresh nets of `args.units` work units, one worker, and the seconds they took."""
        start, items = time.perf_counter(), []
        for unit in range(args.units):
            packed = fountain_unit(recipe.to_json(), ("fountain", args.seed), unit, UNIT_PROGRAMS, "train",
                                   encoder_json, c.max_target_len, usable_only)[1]
            items += [item for _, item in unpack(packed, c.encoder.width) if not isinstance(item, str)]
        return items, time.perf_counter() - start

    fountain_unit(recipe.to_json(), ("warm-up",), 0, 8, "train", encoder_json, c.max_target_len)  # imports, kernels
    items, fountain_seconds = fountain(recipe)
    distinct, distinct_seconds = fountain(distinct_variants(recipe, c.encoder)[0], usable_only=True)
    nets_per_second, distinct_per_second = len(items) / fountain_seconds, len(distinct) / distinct_seconds

    torch.manual_seed(args.seed)
    batches = [collate([items[(i * args.batch_size + j) % len(items)] for j in range(args.batch_size)]).to(args.device)
               for i in range(max(1, len(items) // args.batch_size))]
    ours = Interpreter(c).to(args.device).train()
    plain = _PlainTransformer(c).to(args.device).train()

    def ours_loss(batch):
        return next_token_loss(ours(batch), batch.targets)

    def plain_loss(batch):
        return next_token_loss(plain(batch), batch.targets)

    rates = {}
    for name, model, loss_of in (("plain", plain, plain_loss), ("ours", ours, ours_loss),
                                 ("plain again", plain, plain_loss)):
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        for batch in batches[:2]:  # warm-up
            _step(optimizer, loss_of(batch))
        _sync(args.device)
        start = time.perf_counter()
        for step in range(args.steps):
            _step(optimizer, loss_of(batches[step % len(batches)]))
        _sync(args.device)
        rates[name] = args.steps / (time.perf_counter() - start)
    anchor = (rates["plain"] + rates["plain again"]) / 2
    params = sum(p.numel() for p in ours.parameters())
    tokens = sum(int(b.token_mask.sum()) for b in batches) / len(batches) / args.batch_size
    print(f"model: d_model {c.d_model}, {c.n_heads} heads, {c.n_encoder_layers}+{c.n_decoder_layers} layers, "
          f"d_ff {c.d_ff}, {params:,} parameters; batch {args.batch_size} nets of {tokens:.0f} weight tokens "
          f"(mean); device {args.device}, one thread")
    print(f"interpreter training   {rates['ours']:7.2f} steps/s   x{rates['ours'] / anchor:.2f} of a plain "
          f"nn.Transformer of the same size ({anchor:.2f} steps/s; target >= x0.5)")
    consumed = rates["ours"] * args.batch_size
    print(f"fountain, one worker   {nets_per_second:7.1f} nets/s (recipe {args.recipe}: {len(items)} compiled and "
          f"scrambled nets of {args.units * UNIT_PROGRAMS} programs drawn, in {fountain_seconds:.1f} s)   "
          f"x{nets_per_second / consumed:.3f} of what training consumes ({consumed:.0f} nets/s at "
          f"{args.batch_size} nets/step): "
          + (f"{math.ceil(consumed / nets_per_second)} workers, or reusing each net that many times, keep up"
             if consumed > nets_per_second else "one worker keeps up"))
    print(f"  --distinct-encodings {distinct_per_second:7.1f} nets/s ({len(distinct)} nets, one per usable program, in "
          f"{distinct_seconds:.1f} s)   x{distinct_per_second / consumed:.3f}; distinct programs/s "
          f"x{distinct_per_second / (nets_per_second / 2):.2f} the default's (each program's two nets are the same "
          "tokens to the circuit encoder)")


def _step(optimizer, loss) -> None:
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


class _PlainTransformer(torch.nn.Module):
    """torch.nn.Transformer with the interpreter's sizes, input projection and output head."""

    def __init__(self, c):
        super().__init__()
        self.value_in = torch.nn.Linear(c.encoder.width, c.d_model)
        self.target_embed = torch.nn.Embedding(c.vocab_size, c.d_model)
        self.positions = torch.nn.Embedding(c.max_target_len, c.d_model)
        encoder = torch.nn.TransformerEncoder(
            torch.nn.TransformerEncoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout, activation="gelu",
                                             batch_first=True, norm_first=True),
            c.n_encoder_layers, norm=torch.nn.LayerNorm(c.d_model), enable_nested_tensor=False)
        self.transformer = torch.nn.Transformer(c.d_model, c.n_heads, c.n_encoder_layers, c.n_decoder_layers,
                                                c.d_ff, c.dropout, activation="gelu", batch_first=True,
                                                norm_first=True, custom_encoder=encoder)
        self.head = torch.nn.Linear(c.d_model, c.vocab_size)

    def forward(self, batch) -> torch.Tensor:
        targets = batch.targets[:, :-1]
        t = targets.shape[1]
        y = self.target_embed(targets) + self.positions(torch.arange(t, device=targets.device))
        causal = torch.nn.Transformer.generate_square_subsequent_mask(t, device=targets.device)
        out = self.transformer(self.value_in(batch.values), y, tgt_mask=causal,
                               src_key_padding_mask=~batch.token_mask, memory_key_padding_mask=~batch.token_mask)
        return self.head(out)


if __name__ == "__main__":
    main()
