"""The `fountain` command line for the language stages."""

import pytest

import compiler
from fountain.cli import main

SORT = "s = select(tokens, tokens, LT)\nt = selector_width(s)\nreturn aggregate(select(t, indices, EQ), tokens)\n"


@pytest.fixture
def sort_file(tmp_path):
    path = tmp_path / "sort.rasp"
    path.write_text(SORT)
    return str(path)


def test_run_evaluates_inputs(sort_file, capsys):
    main(["run", sort_file, "--input", "3 1 2", "-i", "b c a"])
    assert capsys.readouterr().out == "1 2 3\na b c\n"


def test_run_causal_gives_each_position_what_it_sees_and_agrees_with_a_causal_net(tmp_path, capsys):
    """A program's per-prefix outputs, as a causal net computes them (the fifteenth hand-written
    set's helper had no way to see them from the command line); a net compiled without causal=True
    is one clear error, since --causal cannot change what it computes."""
    path = tmp_path / "count.rasp"
    path.write_text("c = selector_width(select(tokens, tokens, TRUE))\nreturn c\n")
    main(["run", str(path), "-i", "1 2 3", "-i", "3 3 1 2"])
    assert capsys.readouterr().out == "3 3 3\n4 4 4 4\n"
    main(["run", str(path), "-i", "1 2 3", "-i", "3 3 1 2", "--causal"])
    assert capsys.readouterr().out == "1 2 3\n1 2 3 4\n"
    causal = compiler.compile_program(path.read_text(), {1, 2, 3}, 4, causal=True)
    causal.save(tmp_path / "causal.safetensors")
    main(["run", str(tmp_path / "causal.safetensors"), "-i", "1 2 3", "-i", "3 3 1 2", "--causal"])
    assert capsys.readouterr().out == "1 2 3\n1 2 3 4\n"
    compiler.compile_program(path.read_text(), {1, 2, 3}, 4).save(tmp_path / "whole.safetensors")
    with pytest.raises(SystemExit, match="compiled without causal=True.*drop --causal"):
        main(["run", str(tmp_path / "whole.safetensors"), "-i", "1 2", "--causal"])


def test_parse_prints_canonical_text_names_or_tokens(sort_file, capsys):
    main(["parse", sort_file])
    assert capsys.readouterr().out.startswith("v1 = select(tokens, tokens, LT)\nv2 = selector_width(v1)\n")
    main(["parse", "--keep-names", sort_file])
    assert "t = selector_width(s)" in capsys.readouterr().out
    main(["parse", "--tokens", sort_file])
    assert capsys.readouterr().out.startswith("v1 = select ( tokens")


def test_bad_program_exits_with_located_error(tmp_path):
    path = tmp_path / "bad.rasp"
    path.write_text("a = map(lambda x: x +, tokens)\nreturn a\n")
    with pytest.raises(SystemExit) as caught:
        main(["parse", str(path)])
    message = str(caught.value.code)
    assert message.startswith(f"{path}:1:22: error: unexpected ','") and "^" in message


def test_missing_file_and_evaluation_errors_are_one_line(tmp_path):
    with pytest.raises(SystemExit, match="no program file"):
        main(["run", str(tmp_path / "nope.rasp"), "-i", "1"])
    path = tmp_path / "add.rasp"
    path.write_text("return map(lambda x: x + 1, tokens)\n")
    with pytest.raises(SystemExit, match="not defined on"):
        main(["run", str(path), "-i", "a"])


@pytest.mark.parametrize("command", [["parse"], ["run", "-i", "1"], ["compile", "--vocab", "1 2", "--max-seq-len", "3",
                                                                    "-o", "out.safetensors"],
                                     ["check", "--vocab", "1 2", "--max-seq-len", "3"]])
def test_program_files_that_are_not_text_are_one_line(tmp_path, command):
    import compiler

    bad = tmp_path / "latin1.rasp"
    bad.write_bytes("v1 = map(lambda x: x + 1, tokens)\nreturn v1 # caf\xe9\n".encode("latin-1"))
    name, *options = command
    with pytest.raises(SystemExit, match=r"latin1.rasp: line 2, column 16: byte 0xe9 is not UTF-8"):
        main([name, str(bad), *options])
    if name == "run":
        return  # run takes a network too
    net = tmp_path / "net.safetensors"
    compiler.compile_program("v1 = map(lambda x: x + 1, tokens)\nreturn v1\n", {1, 2}, 3).save(net)
    with pytest.raises(SystemExit, match="a network .safetensors. where a program is expected"):
        main([name, str(net), *options])


def test_demo_runs_end_to_end(capsys, tmp_path):
    # The quick form: the tiny corpus and a few seconds of training (the real demo trains 300 s).
    main(["demo", "--dir", str(tmp_path), "--recipe", "tiny", "--train-seconds", "5", "--retrained", "1",
          "--verified", "2"])
    out = capsys.readouterr().out
    assert "all checks passed" in out
    for part in ("--- corpus: recipe 'tiny'", "--- interpreter: training", "--- retrained: 1 held-out",
                 "--- evaluation", "[compiled net", "[scrambled net", "[retrained net",
                 "--- verified decompilation: 2 held-out nets", "false certs", "verified decoding:"):
        assert part in out, part
    assert (tmp_path / "corpus" / "manifest.json").is_file()


def test_demo_refuses_an_unknown_recipe_at_once():
    with pytest.raises(SystemExit, match="error: fountain demo: nosuch: no such recipe file"):
        main(["demo", "--recipe", "nosuch"])


def test_compile_run_show_check_a_network(sort_file, tmp_path, capsys):
    net_path = str(tmp_path / "sort.safetensors")
    main(["compile", sort_file, "--vocab", "1 2 3 4", "--max-seq-len", "4", "-o", net_path])
    assert "layers" in capsys.readouterr().out
    for backend in ("auto", "kernel", "numpy", "torch"):
        main(["run", net_path, "-i", "3 1 2", "-i", "4 2", "--backend", backend])
        assert capsys.readouterr().out == "1 2 3\n2 4\n"
    main(["show", net_path])
    out = capsys.readouterr().out
    assert "transformer/layer_0/attn/query/w" in out and "residual stream" in out and "tokens:1" in out
    listed = [line.split()[0] for line in out.split("parameters:\n")[1].split("residual stream")[0].splitlines()]
    layer0 = [name.removeprefix("transformer/layer_0/") for name in listed if name.startswith("transformer/layer_0/")]
    assert listed[:2] == ["token_embed/embeddings", "pos_embed/embeddings"] and listed[-1] == "W_U"
    assert layer0 == [f"{part}/{kind}" for part in ("attn/query", "attn/key", "attn/value", "attn/linear",
                                                     "mlp/linear_1", "mlp/linear_2") for kind in "wb"]
    net = compiler.Net.load(net_path)
    assert len(repr(net)) < 300 and repr(net).startswith("Net(compiled: ") and "vocab [1, 2, 3, 4]" in repr(net)
    main(["check", sort_file, "--vocab", "1 2 3 4", "--max-seq-len", "4"])
    assert capsys.readouterr().out.startswith("ok: the network agrees with the program on every input")


def test_compile_refusal_is_one_clear_error(tmp_path):
    path = tmp_path / "mean.rasp"
    path.write_text("return aggregate(select(tokens, tokens, TRUE), tokens)\n")
    with pytest.raises(SystemExit, match="cannot compile .*Aggregate"):
        main(["compile", str(path), "--vocab", "1 2", "--max-seq-len", "3", "-o", str(tmp_path / "x.safetensors")])


def test_compile_notes_an_output_that_is_none_on_some_input(tmp_path, capsys):
    """A fetch one past the end is None at the last position: the net gives None there too, so it
    compiles, and the note names an input, the position and where the None comes from (the
    thirty-sixth hand-written set's writer had two drafts do so unnoticed); a clamped lookback,
    never None, has no note."""
    path, out = tmp_path / "next.rasp", str(tmp_path / "next.safetensors")
    path.write_text("nxt = aggregate(select(indices, indices, lambda k, q: k == q + 1), tokens)\nreturn nxt\n")
    main(["compile", str(path), "--vocab", "a b", "--max-seq-len", "4", "-o", out])
    err = capsys.readouterr().err
    assert err.startswith("note: nxt (line 1, column 7): the output is None on the input ['a'] at position 0 ("), err
    assert "a categorical aggregate, None where its select chooses no position" in err
    path.write_text("prev = aggregate(select(indices, indices, lambda k, q: k == max(q - 1, 0)), tokens)\n"
                    "return prev\n")
    main(["compile", str(path), "--vocab", "a b", "--max-seq-len", "4", "-o", out])
    assert capsys.readouterr().err == ""


def test_a_vocabulary_holding_bos_or_pad_compiles_with_those_named_otherwise(tmp_path, capsys):
    """Boston's airport code is a token: the refusal says how to name the net's BOS token apart,
    and --bos (--pad) does (the thirtieth hand-written set's writer found no way from the command
    line)."""
    path, out = tmp_path / "hub.rasp", str(tmp_path / "hub.safetensors")
    path.write_text('return map(lambda x: "hub" if x == "BOS" else "spoke", tokens)\n')
    with pytest.raises(SystemExit, match=r"compiler_bos 'BOS' is also a vocab token; .*`--bos` of fountain compile"):
        main(["compile", str(path), "--vocab", "BOS JFK", "--max-seq-len", "3", "-o", out])
    main(["compile", str(path), "--vocab", "BOS JFK PAD", "--max-seq-len", "3", "-o", out, "--bos", "<s>",
          "--pad", "<pad>"])
    net = compiler.Net.load(out)
    assert (net.bos, net.pad) == ("<s>", "<pad>") and net.run([["BOS", "JFK", "PAD"]]) == [["hub", "spoke", "spoke"]]
    main(["check", str(path), "--vocab", "BOS JFK PAD", "--max-seq-len", "3", "--bos", "<s>", "--pad", "<pad>"])
    assert capsys.readouterr().out.splitlines()[-1].startswith("ok: the network agrees")


def test_sample_prints_programs_and_stats(capsys):
    main(["sample", "-n", "3", "--seed", "1", "--max-ops", "5", "--stats"])
    out = capsys.readouterr().out
    assert out.count("# program") == 3 and "operation kinds" in out and "residual width" in out


def test_plots_are_written(sort_file, tmp_path, capsys):
    net_path = str(tmp_path / "sort.safetensors")
    main(["compile", sort_file, "--vocab", "1 2 3", "--max-seq-len", "3", "-o", net_path])
    main(["show", net_path, "--plot", str(tmp_path / "weights.png")])
    main(["sample", "-n", "4", "--seed", "2", "--max-ops", "4", "--plot", str(tmp_path / "sample.png")])
    for name in ("weights.png", "sample.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scramble_writes_an_equivalent_network(sort_file, tmp_path, capsys):
    net_path, scrambled_path = str(tmp_path / "sort.safetensors"), str(tmp_path / "scrambled.safetensors")
    main(["compile", sort_file, "--vocab", "1 2 3", "--max-seq-len", "3", "-o", net_path])
    main(["scramble", net_path, "-o", scrambled_path, "--seed", "4"])
    main(["run", scrambled_path, "-i", "3 1 2"])
    assert capsys.readouterr().out.splitlines()[-1] == "1 2 3"
    with pytest.raises(SystemExit, match="unknown scramble kinds"):
        main(["scramble", net_path, "-o", scrambled_path, "--kinds", "spin"])


def test_version_and_module_entry_point(capsys):
    import subprocess
    import sys

    import fountain

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"rasp-fountain {fountain.__version__}"
    done = subprocess.run([sys.executable, "-m", "fountain", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"rasp-fountain {fountain.__version__}"


def test_every_command_writing_a_file_spells_it_output(tmp_path):
    """-o/--output everywhere (corpus build and train also keep their old --out)."""
    from fountain.cli import build_parser

    parser = build_parser()
    for argv in (["compile", "p.rasp", "--vocab", "1", "--max-seq-len", "2"], ["scramble", "n.safetensors"],
                 ["retrain", "n.safetensors"], ["corpus", "build", "tiny"], ["train", "--corpus", "c"]):
        for flag in ("-o", "--output"):
            args = parser.parse_args(argv + [flag, str(tmp_path / "x")])
            assert str(tmp_path / "x") in (getattr(args, "output", None), getattr(args, "out", None))
    assert parser.parse_args(["corpus", "build", "tiny", "--out", "d"]).out == "d"


def test_devices_and_output_paths_are_checked_in_one_line(tmp_path):
    import torch

    import compiler

    net = tmp_path / "net.safetensors"
    compiler.compile_program("v1 = map(lambda x: x + 1, tokens)\nreturn v1\n", {1, 2}, 3).save(net)
    with pytest.raises(SystemExit, match="'nonsense' is not a torch device.*use cpu, cuda or cuda:N"):
        main(["run", str(net), "-i", "1 2", "--backend", "torch", "--device", "nonsense"])
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit, match="this torch has no CUDA device"):
            main(["run", str(net), "-i", "1 2", "--backend", "torch", "--device", "cuda"])
    program = tmp_path / "p.rasp"
    program.write_text("v1 = map(lambda x: x + 1, tokens)\nreturn v1\n")
    with pytest.raises(SystemExit, match="no directory .*create it first"):
        main(["compile", str(program), "--vocab", "1 2", "--max-seq-len", "3", "-o", str(tmp_path / "nope" / "n.st")])
    with pytest.raises(SystemExit, match="it is a directory"):
        main(["scramble", str(net), "-o", str(tmp_path)])
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(SystemExit, match="cannot build the corpus in"):
        main(["corpus", "build", "tiny", "-o", str(blocker / "corpus"), "--quiet"])


def test_an_endless_program_on_stdin_is_refused_at_the_limit():
    import subprocess
    import sys

    from fountain.cli import MAX_PROGRAM_BYTES

    done = subprocess.run([sys.executable, "-m", "fountain", "parse", "-"], input=b"\0" * (MAX_PROGRAM_BYTES + 10),
                          capture_output=True, timeout=120)
    assert done.returncode == 1 and b"over 16 MiB" in done.stderr and b"Traceback" not in done.stderr


def test_time_budgets_are_seconds_named_time_budget():
    from fountain.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["train", "--corpus", "c", "-o", "r", "--time-budget", "90"]).time_budget == 90
    assert parser.parse_args(["train", "--corpus", "c", "-o", "r", "--minutes", "1.5"]).minutes == 1.5
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--corpus", "c", "-o", "r", "--time-budget", "90", "--minutes", "1"])
    assert parser.parse_args(["demo", "--time-budget", "60"]).train_seconds == 60
    assert parser.parse_args(["decompile", "n.safetensors", "--time-budget", "3"]).time_budget == 3
    assert parser.parse_args(["eval", "c", "--uniform", "--time-budget", "3"]).time_budget == 3


def test_every_flag_of_every_command_says_what_it_does_and_its_default():
    import argparse

    from fountain.cli import build_parser

    def commands(parser, path=()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield from commands(child, (*path, name))
        if path:
            yield path, parser

    checked = 0
    for path, parser in commands(build_parser()):
        text = " ".join(parser.format_help().split())
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            assert action.help, f"fountain {' '.join(path)} {action.option_strings or action.dest}: no help text"
            shown = f"(default: {action.default})" in text
            if action.option_strings and action.default not in (None, False) and not action.required:
                assert shown, f"fountain {' '.join(path)} {action.option_strings}: default not shown"
                checked += 1
        assert "(default: None)" not in text and "(default: False)" not in text, path
    assert checked > 15  # the check did run over the flags that have defaults


def test_outputs_never_replace_inputs_and_unwritable_places_are_one_line(sort_file, tmp_path):
    with pytest.raises(SystemExit, match="is this command's input .* would replace it"):
        main(["compile", sort_file, "--vocab", "1 2", "--max-seq-len", "3", "-o", sort_file])
    assert (tmp_path / "sort.rasp").read_text() == SORT
    net_path = str(tmp_path / "n.safetensors")
    main(["compile", sort_file, "--vocab", "1 2", "--max-seq-len", "3", "-o", net_path])
    with pytest.raises(SystemExit, match="would replace it"):
        main(["scramble", net_path, "-o", net_path])
    with pytest.raises(SystemExit, match="error: cannot write /proc/n.safetensors: "):
        main(["compile", sort_file, "--vocab", "1 2", "--max-seq-len", "3", "-o", "/proc/n.safetensors"])


def test_device_choice_for_running_a_net(sort_file, tmp_path, capsys):
    net_path = str(tmp_path / "n.safetensors")
    main(["compile", sort_file, "--vocab", "1 2", "--max-seq-len", "3", "-o", net_path])
    capsys.readouterr()
    main(["run", net_path, "-i", "2 1", "--device", "cpu"])  # a device means torch
    assert capsys.readouterr().out == "1 2\n"
    with pytest.raises(SystemExit, match="the numpy backend runs on the CPU"):
        main(["run", net_path, "-i", "2 1", "--backend", "numpy", "--device", "cpu"])
    for device, problem in (("nonsense", "is not a torch device"), ("meta", "is not one nets and models run on")):
        with pytest.raises(SystemExit, match=problem):
            main(["run", net_path, "-i", "2 1", "--device", device])


def test_program_text_edge_cases_read_as_people_write_them(tmp_path, capsys):
    bom = tmp_path / "bom.rasp"
    bom.write_bytes(b"\xef\xbb\xbf" + SORT.encode())  # Notepad's UTF-8
    main(["run", str(bom), "-i", "3 1 2"])
    assert capsys.readouterr().out == "1 2 3\n"
    chain = tmp_path / "chain.rasp"  # deeper than Python's recursion limit in tracr's evaluator
    chain.write_text("".join(f"a{i} = map(lambda x: x, {'tokens' if i == 0 else f'a{i - 1}'})\n" for i in range(1500))
                     + "return a1499\n")
    main(["run", str(chain), "-i", "1 2"])
    assert capsys.readouterr().out == "1 2\n"
    with pytest.raises(SystemExit, match="is a directory; give a program file"):
        main(["parse", str(tmp_path)])
    long = tmp_path / "long.rasp"
    long.write_text("v = map(lambda x: x + 1, tokens)" + " " * 5000 + "$\nreturn v\n")
    with pytest.raises(SystemExit) as error:
        main(["parse", str(long)])
    assert "long.rasp:1:5033: error" in str(error.value) and len(str(error.value)) < 400  # a window, not the whole line


def test_a_refused_undefined_program_is_one_line_without_tracr_warnings(tmp_path, capfd):
    path = tmp_path / "div.rasp"
    path.write_text("return map(lambda x: x / 0, tokens)\n")
    with pytest.raises(SystemExit, match="not defined on the input"):
        main(["compile", str(path), "--vocab", "1 2 3 4 5 6", "--max-seq-len", "3",
              "-o", str(tmp_path / "d.safetensors")])
    assert "Encountered arithmetic error" not in capfd.readouterr().err


def test_values_that_cannot_be_ordered_are_named_as_such(sort_file, tmp_path):
    """A comparison of a word and a number is undefined: refused naming its line, an input holding
    both and the fix, before tracr stops on it naming none."""
    with pytest.raises(SystemExit, match=r"s \(line 1, column 5\) is not defined on the input \[1, \"a\"\].*"
                                         "compare values of one kind"):
        main(["compile", sort_file, "--vocab", "1 a 2", "--max-seq-len", "3", "-o", str(tmp_path / "n.safetensors")])


def test_a_selector_width_past_float32_resolution_says_which_line_and_what_to_change(tmp_path):
    path = tmp_path / "width.rasp"
    path.write_text("w = selector_width(select(tokens, tokens, LT))\nreturn w\n")
    expected = r"w \(line 1, column \d+\): selector_width reads a width .* up to 72 .* smaller max_seq_len"
    with pytest.raises(SystemExit, match=expected):
        main(["compile", str(path), "--vocab", "1 2 3", "--max-seq-len", "72", "-o", str(tmp_path / "w.safetensors")])


def test_a_text_of_more_lines_than_any_program_is_refused_before_parsing(tmp_path):
    path = tmp_path / "many.rasp"
    path.write_text("w = selector_width(select(tokens, tokens, LT))\n" * 30_000 + "return w\n")
    with pytest.raises(SystemExit, match="30,002 lines, over the limit of 20,000"):
        main(["parse", str(path)])


def test_special_files_and_a_run_s_own_metrics_are_never_written_over(sort_file, tmp_path):
    import os

    from compiler.files import write_atomically

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # stands for /dev/null and other special files a rename would replace
    with pytest.raises(OSError, match="exists and is not a regular file"):
        write_atomically(fifo, b"x")
    with pytest.raises(SystemExit, match="not a regular file"):
        main(["compile", sort_file, "--vocab", "1 2", "--max-seq-len", "3", "-o", str(fifo)])
    assert fifo.is_fifo()
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.csv").write_text("step,loss\n1,2.0\n")
    with pytest.raises(SystemExit, match="would replace it"):
        main(["curves", str(run), "-o", str(run / "metrics.csv")])
    assert (run / "metrics.csv").read_text() == "step,loss\n1,2.0\n"
    (tmp_path / "afile").write_text("")
    with pytest.raises(SystemExit, match="a file is there; a training run is a directory"):
        main(["train", "--programs", "2", "-o", str(tmp_path / "afile"), "--steps", "1"])
