"""Checkpoints: a directory with the model in safetensors, its config in JSON, and (for resuming)
the optimizer state and RNG in a second safetensors file. No pickle anywhere.

    run/step-000500/config.json            {"format": ..., "model": ModelConfig, "train": TrainConfig}
    run/step-000500/model.safetensors      the model's state dict
    run/step-000500/train_state.safetensors AdamW moments per parameter, torch RNG, other state
                                           (a fountain's programs drawn so far); step and
                                           param groups as JSON in the header
    run/latest.json                        {"checkpoint": "step-000500"}

Each checkpoint is written to a temporary directory and renamed into place, and `latest.json`
is replaced atomically after it, so a crash leaves the previous checkpoint readable.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from compiler.files import TMP_PREFIX, write_atomically
from interpreter.model import Interpreter, ModelConfig

FORMAT_NAME = "rasp-fountain.interpreter"
FORMAT_VERSION = 2  # 2: weight tokens have a `circuit` tag and head ids up to max_layers * max_heads
_LATEST = "latest.json"
_STEP = re.compile(r"step-\d+")
_STATE_KEY = "train_state"


class CheckpointError(ValueError):
    """A path that is not a readable interpreter checkpoint; says which and what is wrong."""

    def __init__(self, path: str | os.PathLike, problem: str):
        super().__init__(f"{os.fspath(path)}: {problem}")


@dataclasses.dataclass
class TrainState:
    """Where training stands: the step reached, and the optimizer and RNG to continue from."""

    step: int
    optimizer: dict[str, Any] | None = None  # torch.optim state_dict
    rng: torch.Tensor | None = None          # torch.get_rng_state()
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    tensors: dict[str, torch.Tensor] = dataclasses.field(default_factory=dict)  # more state, by name


def save_checkpoint(run_dir: str | os.PathLike, name: str, model: Interpreter, train_config: dict | None = None,
                    state: TrainState | None = None, keep: int | None = None) -> Path:
    """Writes `run_dir/name` and points `latest.json` at it; keeps the newest `keep` checkpoints."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=run_dir, prefix=TMP_PREFIX))
    try:
        config = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "model": model.config.to_dict(),
                  "train": train_config}
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        save_file({k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()},
                  tmp / "model.safetensors")
        if state is not None:
            _save_state(state, tmp / "train_state.safetensors")
        # mkdtemp makes a private folder: give it and its files the permissions the umask gives
        # any other file, so that colleagues who can read the run can read its checkpoints
        mask = _umask()
        os.chmod(tmp, 0o777 & ~mask)
        for file in tmp.iterdir():
            os.chmod(file, 0o666 & ~mask)
        final = run_dir / name
        if final.exists():  # the same step saved again (a resumed run that stops where it began)
            trash = Path(tempfile.mkdtemp(dir=run_dir, prefix=".old-"))
            os.replace(final, trash / name)
            shutil.rmtree(trash)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    write_atomically(run_dir / _LATEST, json.dumps({"checkpoint": name}) + "\n")
    if keep is not None:
        for old in sorted(p for p in run_dir.glob("step-*") if p.is_dir())[:-keep]:
            shutil.rmtree(old)
    return final


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: The interpreter that ships with the package (its model card is the README beside it); used
#: wherever no checkpoint is given.
DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "default"


class NoDefaultCheckpoint(CheckpointError):
    """The default checkpoint is not in this installation."""


def default_checkpoint() -> Path:
    """The shipped checkpoint's directory (`DEFAULT_CHECKPOINT`), or NoDefaultCheckpoint."""
    if not (DEFAULT_CHECKPOINT / "config.json").is_file() or not (DEFAULT_CHECKPOINT / "model.safetensors").is_file():
        raise NoDefaultCheckpoint(DEFAULT_CHECKPOINT, "the default interpreter checkpoint is missing from this "
                                                      "installation; reinstall rasp-fountain, pass a checkpoint "
                                                      "(`fountain train` makes one), or decompile without a model "
                                                      "(`fountain decompile NET --uniform`)")
    return DEFAULT_CHECKPOINT


def latest_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    """The checkpoint `latest.json` names in `run_dir`, or None when there is none."""
    pointer = Path(run_dir) / _LATEST
    if not pointer.is_file():
        return None
    try:
        name = json.loads(pointer.read_text())["checkpoint"]
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(pointer, f"unreadable ({error}); delete it to start afresh") from None
    # a checkpoint is a step directory of this run, never a path elsewhere ("../../etc")
    if not isinstance(name, str) or not _STEP.fullmatch(name):
        raise CheckpointError(pointer, f"names {name!r}, not a step directory of this run (step-NNNNNNN); "
                                       "delete it to start afresh")
    if not (Path(run_dir) / name).is_dir():
        raise CheckpointError(pointer, f"names {name}, which is not in {os.fspath(run_dir)} (deleted?); "
                                       "delete latest.json, or point it at a step directory that is there")
    return Path(run_dir) / name


def resolve(path: str | os.PathLike) -> Path:
    """A checkpoint directory from itself or from a run directory (its latest checkpoint)."""
    path = Path(path)
    if (path / "config.json").is_file():
        return path
    latest = latest_checkpoint(path) if path.is_dir() else None
    if latest is None:
        raise CheckpointError(path, "not an interpreter checkpoint (no config.json) nor a run directory "
                                    "with latest.json; train one with `fountain train`")
    return latest


def read_config(path: str | os.PathLike) -> dict:
    """The JSON config of a checkpoint (model config under "model", training under "train")."""
    path = resolve(path)
    try:
        config = json.loads((path / "config.json").read_text())
    except ValueError as error:
        raise CheckpointError(path / "config.json", f"not valid JSON ({error})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT_NAME:
        raise CheckpointError(path / "config.json", "not an interpreter checkpoint config")
    if config.get("version") != FORMAT_VERSION:
        raise CheckpointError(path / "config.json", f"format version {config.get('version')!r}, and this "
                                                    f"rasp-fountain reads version {FORMAT_VERSION}; train the "
                                                    "interpreter again with `fountain train`")
    return config


#: Parameters past which a config's shapes are found on torch's meta device, not by building it.
SMALL_MODEL = 20_000_000


def _shapes(config: ModelConfig) -> tuple[dict[str, tuple[int, ...]], Interpreter | None]:
    """The shape of each weight of a model of `config`, and the model when it was built for them. A
    small one (by a generous estimate of its parameters) is built; a larger one only on the meta
    device, which allocates nothing for a config of absurd sizes but costs ~2 s the first time in a
    process (torch's meta kernels load), a fifth of a 10 s decompile run from the command line."""
    per_layer = 4 * config.d_model * config.d_model + 2 * config.d_model * config.d_ff
    estimate = (2 * per_layer * (config.n_encoder_layers + config.n_decoder_layers)
                + config.d_model * (config.vocab_size + config.max_target_len
                                    + 4 * sum(v for v in dataclasses.asdict(config.encoder).values()
                                              if isinstance(v, int) and not isinstance(v, bool))))
    large = estimate > SMALL_MODEL
    with torch.device("meta") if large else contextlib.nullcontext():
        model = Interpreter(config)
    return {name: tuple(t.shape) for name, t in model.state_dict().items()}, None if large else model


def load_model(path: str | os.PathLike, device: str | torch.device = "cpu") -> Interpreter:
    """The model of a checkpoint (or of a run directory's latest), in eval mode."""
    path = resolve(path)
    config = read_config(path)
    if not isinstance(config.get("model"), dict):
        raise CheckpointError(path / "config.json", 'has no "model" object (the model config); not a checkpoint '
                                                    "`fountain train` wrote")
    try:
        model_config = ModelConfig.from_dict(config["model"])
        expected, built = _shapes(model_config)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise CheckpointError(path / "config.json", f"bad model config ({type(error).__name__}: {error})") from None
    weights = path / "model.safetensors"
    try:
        with safe_open(weights, framework="pt") as f:
            stored = {name: tuple(f.get_slice(name).get_shape()) for name in f.keys()}
    except (SafetensorError, FileNotFoundError, OSError) as error:
        raise CheckpointError(weights, f"unreadable ({error})") from None
    if stored != expected:  # before building the model: its config may ask for more memory than there is
        wrong = sorted(set(stored) ^ set(expected)) or sorted(n for n in stored if stored[n] != expected[n])
        name = wrong[0]
        raise CheckpointError(path, f"does not match its config: {name} is {stored.get(name, 'missing')} in the "
                                    f"weights, {expected.get(name, 'absent')} by the config")
    model = built if built is not None else Interpreter(model_config)
    try:
        tensors = load_file(weights, device=str(device))
    except (SafetensorError, FileNotFoundError, OSError) as error:
        raise CheckpointError(weights, f"unreadable ({error})") from None
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(path / "model.safetensors", f"weight {name} is not finite (NaN or infinity): "
                                                              "the training run diverged; use an earlier step")
    try:
        model.load_state_dict(tensors)
    except (RuntimeError, ValueError, TypeError) as error:  # shape or key mismatches
        raise CheckpointError(path, f"does not match its config ({error})") from None
    return model.to(device).eval()


def load_state(path: str | os.PathLike) -> TrainState:
    """The training state saved with a checkpoint."""
    file = resolve(path) / "train_state.safetensors"
    try:
        with safe_open(file, framework="pt") as f:
            meta = json.loads(f.metadata()[_STATE_KEY])
            tensors = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, FileNotFoundError, OSError, ValueError, KeyError) as error:
        raise CheckpointError(file, f"no readable training state ({error})") from None
    optimizer = None
    if meta["param_groups"] is not None:
        per_param: dict[int, dict[str, torch.Tensor]] = {}
        for key, tensor in tensors.items():
            if key.startswith("optimizer/"):
                _, index, name = key.split("/")
                per_param.setdefault(int(index), {})[name] = tensor
        optimizer = {"state": per_param, "param_groups": meta["param_groups"]}
    more = {key.split("/", 1)[1]: tensor for key, tensor in tensors.items() if key.startswith("extra/")}
    return TrainState(meta["step"], optimizer, tensors.get("rng/torch"), meta["extra"], more)


def _save_state(state: TrainState, file: Path) -> None:
    tensors: dict[str, torch.Tensor] = {}
    param_groups = None
    if state.optimizer is not None:
        for index, entry in state.optimizer["state"].items():
            for name, value in entry.items():
                tensors[f"optimizer/{index}/{name}"] = torch.as_tensor(value).detach().contiguous().cpu()
        param_groups = state.optimizer["param_groups"]
    if state.rng is not None:
        tensors["rng/torch"] = state.rng
    tensors.update((f"extra/{name}", tensor.detach().contiguous().cpu()) for name, tensor in state.tensors.items())
    meta = {"step": state.step, "param_groups": param_groups, "extra": state.extra}
    save_file(tensors, file, metadata={_STATE_KEY: json.dumps(meta)})
