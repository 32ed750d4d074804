"""The `fountain` command line for the language stages."""

import pytest

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


def test_demo_runs_end_to_end(capsys):
    main(["demo"])
    out = capsys.readouterr().out
    assert "all checks passed" in out
