"""fish completion: `complete -c br` lines with conditions on the subcommands typed so far."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from buildrunner.cli.completion._model import Arg, Command, header

_HELPERS: Final = r"""
function __br_positionals --description 'The words before the cursor that are neither options nor option values'
    set -l skip 0
    for word in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
        else if contains -- $word @VALUE_OPTIONS@
            set skip 1
        else if not string match -q -- '-*' $word
            echo $word
        end
    end
end

function __br_at --description '__br_at N WORD...: the positionals so far are WORD... and N more'
    set -l words (__br_positionals)
    test (count $words) -eq (math (count $argv) - 1 + $argv[1]); or return 1
    for i in (seq 2 (count $argv))
        set -l j (math $i - 1)
        test "$words[$j]" = "$argv[$i]"; or return 1
    end
end

function __br_ids --description 'Ids of milestones, steps and actionable microsteps in this workspace'
    set -l words (commandline -opc)
    set -l args --json
    if set -l i (contains -i -- --root $words); and test $i -lt (count $words)
        set -a args --root $words[(math $i + 1)]
    end
    begin; command br status $args; command br next $args --limit 0; end 2>/dev/null \
        | string match -ra '"id":"[^"]*"' | string replace -r '^"id":"(.*)"$' '$1'
end
"""


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _values(arg: Arg, *, option: bool) -> list[str]:
    if arg.kind == "files":
        return ["-r", "-F"] if option else ["-F"]
    candidates = {"choices": " ".join(arg.choices), "ids": "(__br_ids)", "dirs": "(__fish_complete_directories)"}
    offered = ["-a", _quote(candidates[arg.kind])] if arg.kind in candidates else []
    # Options need -x so fish knows they take a value; positionals just offer candidates.
    return ["-x", *offered] if option and arg.kind else offered


def _lines(command: Command) -> Iterator[str]:
    base = "complete -c br -n "
    seen = "; and ".join(f"__fish_seen_subcommand_from {word}" for word in command.path) or "__fish_use_subcommand"
    for option in command.options:
        flags = [f"-l {f[2:]}" if f[1] == "-" else f"-{'s' if len(f) == 2 else 'o'} {f[1:]}" for f in option.flags]
        values = _values(option, option=True)
        yield " ".join([base + _quote(seen), *flags, *values, "-d", _quote(option.help)])
    for index, arg in enumerate(command.positionals):
        values = _values(arg, option=False)
        if values:
            at = " ".join(["__br_at", str(index), *command.path])
            yield " ".join([base + _quote(at), *values, "-d", _quote(arg.help or arg.name)])
    for sub in command.subcommands:
        at = " ".join(["__br_at", "0", *command.path]) if command.path else "__fish_use_subcommand"
        yield f"{base}{_quote(at)} -a {_quote(sub.path[-1])} -d {_quote(sub.help)}"


def fish_script(root: Command) -> str:
    """Return ``complete -c br`` lines for fish, with helper functions for positionals and ids."""
    value_options = sorted({f for c in root.walk() for o in c.options if o.kind for f in o.flags})
    helpers = _HELPERS.strip().replace("@VALUE_OPTIONS@", " ".join(value_options))
    lines = [line for command in root.walk() for line in _lines(command)]
    top = header("fish") + "\n# Install: br completion fish > ~/.config/fish/completions/br.fish"
    # -f: no file names unless an argument asks for them (-F), since most arguments are ids or text.
    return "\n\n".join([top, helpers, "complete -c br -f\n" + "\n".join(lines)]) + "\n"
