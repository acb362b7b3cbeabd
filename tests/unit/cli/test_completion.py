"""`br completion`: scripts generated from the real parser, and bash actually completing with them."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from buildrunner.cli import main
from buildrunner.cli._parser import STATUS_CHOICES, build_parser
from buildrunner.cli.completion import Command, describe, render


def _all_commands() -> list[Command]:
    return list(describe(build_parser()).walk())


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("completion") / "br.bash"
    path.write_text(render("bash"))
    return path


@pytest.fixture
def br_on_path(tmp_path: Path) -> Path:
    """A `br` executable that runs this checkout's CLI with this interpreter, for the dynamic id completion."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "br"
    code = "import sys; from buildrunner.cli import main; sys.exit(main(sys.argv[1:]))"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -c {shlex.quote(code)} "$@"\n')
    shim.chmod(0o755)
    return bin_dir


def complete(script: Path, *words: str, cwd: Path | None = None, path: Path | None = None) -> list[str]:
    """Run bash's completion function the way readline would, for the last of ``words``."""
    program = "\n".join([
        f"source {shlex.quote(str(script))}",
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})",
        f"COMP_CWORD={len(words) - 1}",
        "_br",
        'printf "%s\\n" "${COMPREPLY[@]}"',
    ])
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = f"{path}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                            check=True, cwd=cwd, env=env, timeout=60)
    return sorted(line for line in result.stdout.splitlines() if line)


# -- bash, run for real -----------------------------------------------------------------------------


def test_bash_script_is_valid_syntax(bash_script: Path) -> None:
    result = subprocess.run(["bash", "-n", str(bash_script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert bash_script.read_text().rstrip().endswith("complete -F _br br")


def test_bash_completes_command_prefixes(bash_script: Path) -> None:
    assert complete(bash_script, "br", "se") == ["set-status"]
    assert complete(bash_script, "br", "s") == ["schema", "set-status", "show", "status", "sync"]


def test_bash_completes_every_command(bash_script: Path) -> None:
    expected = sorted(c.path[0] for c in _all_commands() if len(c.path) == 1)
    assert complete(bash_script, "br", "") == expected
    assert "export" in expected and "completion" in expected


def test_bash_completes_add_kinds(bash_script: Path) -> None:
    assert complete(bash_script, "br", "add", "") == ["microstep", "milestone", "step"]
    assert complete(bash_script, "br", "add", "mi") == ["microstep", "milestone"]


def test_bash_completes_option_choices(bash_script: Path) -> None:
    assert complete(bash_script, "br", "export", "--format", "") == ["csv", "json", "md"]
    assert complete(bash_script, "br", "export", "--format", "c") == ["csv"]
    assert complete(bash_script, "br", "lint", "--format", "") == ["json", "text"]


def test_bash_completes_values_after_an_equals_sign(bash_script: Path) -> None:
    # bash splits `--format=` into `--format` and `=` (COMP_WORDBREAKS) before calling the function.
    assert complete(bash_script, "br", "export", "--format", "=") == ["csv", "json", "md"]
    assert complete(bash_script, "br", "export", "--format", "=", "j") == ["json"]


def test_bash_completes_positional_choices(bash_script: Path) -> None:
    assert complete(bash_script, "br", "set-status", "ms-1", "") == sorted(STATUS_CHOICES)
    assert complete(bash_script, "br", "set-status", "--json", "ms-1", "in") == ["in_progress"]
    assert complete(bash_script, "br", "completion", "") == ["bash", "fish", "zsh"]
    assert complete(bash_script, "br", "import", "") == ["backlog", "taskmaster"]


def test_bash_completes_options_of_the_right_command(bash_script: Path) -> None:
    assert complete(bash_script, "br", "add", "step", "--m") == ["--milestone"]
    assert complete(bash_script, "br", "add", "microstep", "Title", "--s") == ["--step"]
    export_options = complete(bash_script, "br", "export", "-")
    assert {"--format", "--output", "-o", "--root", "--help"} <= set(export_options)
    assert "--milestone" not in export_options


def test_bash_skips_option_values_when_counting_positionals(bash_script: Path) -> None:
    # `--root DIR` takes a value: DIR is not the ID, so the next word is still the ID, then STATUS.
    assert complete(bash_script, "br", "set-status", "--root", "/tmp", "ms-1", "d") == ["done"]
    assert complete(bash_script, "br", "add", "microstep", "-s", "s1", "-c", "criterion text", "--") == [
        "--criterion", "--depends-on", "--description", "--estimate", "--help", "--id", "--json", "--link",
        "--owner", "--root", "--step", "--tag",
    ]


def test_bash_offers_nothing_for_free_text(bash_script: Path) -> None:
    assert complete(bash_script, "br", "add", "milestone", "") == []
    assert complete(bash_script, "br", "note", "ms-1", "") == []


def test_bash_completes_file_names_for_output(bash_script: Path, tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text("")
    (tmp_path / "docs").mkdir()
    assert complete(bash_script, "br", "export", "-o", "", cwd=tmp_path) == ["docs", "plan.md"]
    assert complete(bash_script, "br", "export", "--root", "", cwd=tmp_path) == ["docs"]


def test_bash_completes_ids_from_br_itself(bash_script: Path, tmp_path: Path, br_on_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    for args in (["init"], ["add", "milestone", "M", "--id", "m1"], ["add", "step", "S", "-m", "m1", "--id", "s1"],
                 ["add", "microstep", "A", "-s", "s1", "--id", "ms1"],
                 ["add", "microstep", "B", "-s", "s1", "--id", "ms2"]):
        assert main([*args, "--root", str(repo)]) == 0
    capsys.readouterr()
    assert complete(bash_script, "br", "show", "", cwd=repo, path=br_on_path) == ["m1", "ms1", "ms2", "s1"]
    assert complete(bash_script, "br", "set-status", "ms", cwd=repo, path=br_on_path) == ["ms1", "ms2"]
    # --root on the command line is passed on, so ids complete from anywhere.
    assert complete(bash_script, "br", "show", "--root", str(repo), "m", cwd=tmp_path, path=br_on_path) == [
        "m1", "ms1", "ms2",
    ]
    # Outside a workspace there is nothing to offer, and no error leaks onto the terminal.
    assert complete(bash_script, "br", "show", "", cwd=tmp_path, path=br_on_path) == []


def test_completion_follows_the_parser(tmp_path: Path) -> None:
    # A command added to the parser is completed without touching the completion code.
    parser = argparse.ArgumentParser(prog="br")
    sub = parser.add_subparsers(dest="command")
    archive = sub.add_parser("archive", help="archive finished milestones")
    archive.add_argument("--older-than", choices=("week", "month"))
    archive.add_argument("--secret", help=argparse.SUPPRESS)
    script = tmp_path / "br.bash"
    script.write_text(render("bash", parser))
    assert complete(script, "br", "ar") == ["archive"]
    assert complete(script, "br", "archive", "--older-than", "") == ["month", "week"]
    assert complete(script, "br", "archive", "--") == ["--help", "--older-than"]
    for shell in ("zsh", "fish"):
        assert "older-than" in render(shell, parser) and "secret" not in render(shell, parser)


# -- zsh and fish: structure (the suite runs bash only) ---------------------------------------------


def test_zsh_script_structure() -> None:
    script = render("zsh")
    assert script.startswith("#compdef br\n") and script.rstrip().endswith('_br "$@"')
    for command in _all_commands():
        function = "_br" + "".join(f"_{word.replace('-', '_')}" for word in command.path)
        assert f"\n{function}() {{\n" in script, function
        if command.path:
            assert f"'{command.path[-1]}:" in script  # listed with its description by its parent
    assert "'--format=[output format (default md)]:FORMAT:(md json csv)'" in script
    assert "'2:STATUS:(todo in_progress blocked review done)'" in script
    assert "'(--milestone -m)--milestone=[milestone id]:ID:_br_ids'" in script
    assert "'*--tag=[repeatable]:TAG: '" in script  # repeatable, free text
    assert "(set-status) _br_set_status ;;" in script


def test_fish_script_structure() -> None:
    script = render("fish")
    lines = script.splitlines()
    assert "complete -c br -f" in lines
    for command in _all_commands():
        if len(command.path) == 1:
            assert any(f"'__fish_use_subcommand' -a '{command.path[0]}' -d " in line for line in lines)
    for kind in ("milestone", "step", "microstep"):
        assert any(f"'__br_at 0 add' -a '{kind}'" in line for line in lines)
    assert any("'__fish_seen_subcommand_from export' -l format -x -a 'md json csv'" in line for line in lines)
    assert any("'__fish_seen_subcommand_from export' -l output -s o -r -F" in line for line in lines)
    assert any("'__fish_seen_subcommand_from add; and __fish_seen_subcommand_from step' -l milestone -s m -x "
               "-a '(__br_ids)'" in line for line in lines)
    assert any("'__br_at 1 set-status' -a 'todo in_progress blocked review done'" in line for line in lines)
    assert "function __br_ids" in script and "function __br_at" in script


def test_br_completion_prints_the_script(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    for shell in ("bash", "zsh", "fish"):
        assert main(["completion", shell]) == 0
        assert capsysbinary.readouterr().out.decode() == render(shell)


def test_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["completion", "powershell"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
