"""bash completion: a `complete -F _br br` function driven by generated lookup tables."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import Final

from buildrunner.cli.completion._model import Arg, Command, header

_MAIN: Final = r"""
_br_ids() {  # $1: the br program, $2: the --root value (if any)
    local -a args=(--json)
    [[ -n $2 ]] && args+=(--root "$2")
    { command "$1" status "${args[@]}"; command "$1" next "${args[@]}" --limit 0; } 2>/dev/null \
        | grep -o '"id":"[^"]*"' | cut -d'"' -f4
}

_br_reply() {  # $1: what _br_arg said, $2: the word being completed, $3: br program, $4: --root value
    local IFS=$'\n' choices=${1#=}
    case $1 in
        =*) COMPREPLY=($(compgen -W "${choices// /$'\n'}" -- "$2")) ;;
        @ids) COMPREPLY=($(compgen -W "$(_br_ids "$3" "$4")" -- "$2")) ;;
        @files) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$2")) ;;
        @dirs) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$2")) ;;
        *) COMPREPLY=() ;;
    esac
}

_br() {
    local cur=${COMP_WORDS[COMP_CWORD]} key="" word root="" opt="" dashdash="" npos=0 i=1 _br_r
    # Walk the words before the cursor: descend into subcommands, skip option values, count positionals.
    while (( i < COMP_CWORD )); do
        word=${COMP_WORDS[i]}
        if [[ -z $dashdash && $word == -?* ]]; then
            [[ $word == -- ]] && dashdash=1
            _br_arg "$key" "${word%%=*}"
            if [[ -n $_br_r && $word != *=* ]]; then
                # COMP_WORDBREAKS splits `--opt=value` into `--opt`, `=`, `value`.
                (( i + 1 < COMP_CWORD )) && [[ ${COMP_WORDS[i+1]} == = ]] && i=$((i + 1))
                if (( i + 1 == COMP_CWORD )); then opt=${word%%=*}; break; fi
                i=$((i + 1))
                [[ $word == --root ]] && root=${COMP_WORDS[i]}
            fi
        else
            _br_subs "$key"
            if [[ -n $_br_r && -z $dashdash ]]; then key="${key:+$key }$word"; else npos=$((npos + 1)); fi
        fi
        i=$((i + 1))
    done
    [[ $cur == = ]] && cur=""
    if [[ -n $opt ]]; then
        _br_arg "$key" "$opt"
    elif [[ -z $dashdash && $cur == -* ]]; then
        _br_opts "$key"; _br_r="=$_br_r"
    else
        _br_subs "$key"
        if [[ -n $_br_r ]]; then _br_r="=$_br_r"; else _br_arg "$key" "#$npos"; fi
    fi
    _br_reply "$_br_r" "$cur" "${COMP_WORDS[0]}" "$root"
}

complete -F _br br
"""


def _case(function: str, doc: str, entries: dict[str, str], subject: str = "$1") -> str:
    lines = [f"{function}() {{  # {doc}", f'    case "{subject}" in']
    lines += [f"        {pattern}) _br_r={shlex.quote(value)} ;;" for pattern, value in entries.items()]
    return "\n".join([*lines, '        *) _br_r="" ;;', "    esac", "}"])


def _value(arg: Arg) -> str:
    if arg.kind == "choices":
        return "=" + " ".join(arg.choices)
    return {"": "", "text": "@text"}.get(arg.kind, f"@{arg.kind}")


def _args(command: Command) -> Iterator[tuple[str, str]]:
    # Flags are left out: `_br_arg` answers "" for anything unlisted, which means "takes no value".
    for option in command.options:
        if option.kind:
            yield "|".join(shlex.quote(f"{command.key}|{flag}") for flag in option.flags), _value(option)
    for index, positional in enumerate(command.positionals):
        yield shlex.quote(f"{command.key}|#{index}"), _value(positional)
    if command.positionals and command.positionals[-1].repeatable:
        yield shlex.quote(f"{command.key}|#") + "*", _value(command.positionals[-1])


def bash_script(root: Command) -> str:
    """Return a bash script defining ``_br`` and registering it with ``complete -F``."""
    commands = list(root.walk())
    subs = {shlex.quote(c.key): " ".join(s.path[-1] for s in c.subcommands) for c in commands if c.subcommands}
    opts = {shlex.quote(c.key): " ".join(f for o in c.options for f in o.flags) for c in commands}
    args = {pattern: value for c in commands for pattern, value in _args(c)}
    return "\n\n".join([
        header("bash") + "\n# Install: br completion bash > "
        "~/.local/share/bash-completion/completions/br   (or: eval \"$(br completion bash)\" in ~/.bashrc)",
        _case("_br_subs", "subcommands of the command $1", subs),
        _case("_br_opts", "options of the command $1", opts),
        _case("_br_arg", "value of `command|--option` or `command|#position`: =choices, @kind, or empty "
                   "for a flag", args, subject="$1|$2"),
        _MAIN.strip() + "\n",
    ])
