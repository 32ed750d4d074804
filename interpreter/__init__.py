"""The interpreter: a model that reads a network's weights and writes its program's source.

    import interpreter
    result = interpreter.decompile(net, "runs/small")    # a checkpoint, or a run directory's latest
    result.source, result.verified, result.agreement, result.lines   # the program and its certificate
    result = interpreter.train("corpora/small", "runs/small", interpreter.TrainConfig())
    result = interpreter.train(interpreter.Fountain("small"), "runs/fresh", interpreter.TrainConfig())
    report = interpreter.evaluate_model("runs/small", "corpora/small", split="test")
    print(report.format())
    run = interpreter.train_and_evaluate("corpora/small", "runs/demo", time_budget=300)  # `fountain demo`

Modules, in the order data flows: `encoding` (weights -> tokens: pieces, virtual weights, or QK/OV
circuits blind to every scramble), `data` (examples from a corpus or in memory, batches), `stream` (which items
make each step's batch: in memory, a corpus streamed window by window, or the fountain's programs
generated while training runs), `model` (encoder-decoder transformer), `train` (the loop;
torchrun-ready), `checkpoint` (safetensors + JSON), `grammar`
(which program token may come next), `decode` (greedy/beam search: the model's proposals), `trace`
(a net run on its inputs: heads' patterns and writes, MLP neuron groups), `lines` (program lines
evaluated on the trace and checked against components), `additive` (a table's pairs no traced
input showed, read off the MLP's weights), `verified` (`decompile`: the search the
network checks, and the certificate), `evaluate` (`evaluate_model`, `evaluate_decompiler`:
exact, functional, per op and size, tracr's lib), `budget` (train for a time budget, then evaluate).
"""

from interpreter.budget import BUDGET_CONFIG, BudgetRun, train_and_evaluate
from interpreter.checkpoint import CheckpointError, NoDefaultCheckpoint, load_model
from interpreter.data import Example, load_examples, sample_examples
from interpreter.decode import Decoded, search
from interpreter.encoding import EncoderConfig, EncodingError, encode_net
from interpreter.evaluate import DecompileReport, EvalReport, evaluate, evaluate_decompiler, evaluate_model
from interpreter.fountain_stream import Fountain
from interpreter.model import Interpreter, ModelConfig
from interpreter.train import TrainConfig, TrainResult, train
from interpreter.verified import Decompiled, LineFit, decompile

__all__ = ["BUDGET_CONFIG", "BudgetRun", "CheckpointError", "Decoded", "DecompileReport", "Decompiled",
           "EncoderConfig", "EncodingError", "EvalReport", "Example", "Fountain", "Interpreter", "LineFit",
           "ModelConfig", "NoDefaultCheckpoint", "TrainConfig", "TrainResult", "decompile", "encode_net", "evaluate",
           "evaluate_decompiler", "evaluate_model", "load_examples", "load_model", "sample_examples", "search", "train",
           "train_and_evaluate"]
