"""zsh completion: a `#compdef br` script of `_arguments` functions, one per command."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from buildrunner.cli.completion._model import Arg, Command, header

_IDS: Final = r"""
_br_ids() {
  local -a ids args=(--json)
  [[ -n ${opt_args[--root]} ]] && args+=(--root ${opt_args[--root]})
  ids=(${(f)"$({ command br status $args; command br next $args --limit 0 } 2>/dev/null \
    | grep -o '"id":"[^"]*"' | cut -d'"' -f4)"})
  _wanted ids expl id compadd -a ids
}
"""
# A command with subcommands completes its options and the subcommand name, then hands the rest of the
# line to the subcommand's function (`*::` shifts $words so the subcommand is $words[1]).
_DISPATCH: Final = """\
{name}() {{
  local curcontext="$curcontext" state line
  typeset -A opt_args
  _arguments -C -s -S \\
    {specs}
  case $state in
  (command)
    local -a commands=(
      {described}
    )
    _describe -t commands {title} commands ;;
  (args)
    case $words[1] in
      {cases}
    esac ;;
  esac
}}"""
_LEAF: Final = """\
{name}() {{
  _arguments -s -S \\
    {specs}
}}"""
_SPEC_SEPARATOR: Final = " \\\n    "


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _escape(text: str, special: str) -> str:
    for char in "\\" + special:
        text = text.replace(char, "\\" + char)
    return text


def _function_name(path: tuple[str, ...]) -> str:
    return "_br" + "".join(f"_{word.replace('-', '_')}" for word in path)


def _action(arg: Arg) -> str:
    if arg.kind == "choices":
        return "(" + " ".join(c.replace(" ", "\\ ") for c in arg.choices) + ")"
    # A single space: the argument is shown as a message, nothing is offered (free text).
    return {"ids": "_br_ids", "files": "_files", "dirs": "_directories"}.get(arg.kind, " ")


def _specs(command: Command) -> Iterator[str]:
    for option in command.options:
        desc = "[" + _escape(option.help, "[]") + "]"
        exclude = "(- *)" if option.exclusive else ""
        if len(option.flags) > 1 and not option.repeatable and not exclude:
            exclude = "(" + " ".join(option.flags) + ")"
        value = f":{_escape(option.name, ':')}:{_action(option)}" if option.kind else ""
        for flag in option.flags:
            eq = "=" if option.kind and flag.startswith("--") else ""  # accept `--opt=value` like argparse
            yield _quote(f"{exclude}{'*' if option.repeatable else ''}{flag}{eq}{desc}{value}")
    for index, arg in enumerate(command.positionals, start=1):
        position = "*" if arg.repeatable else str(index)
        yield _quote(f"{position}:{':' if arg.optional else ''}{_escape(arg.name, ':')}:{_action(arg)}")


def _function(command: Command) -> str:
    name = _function_name(command.path)
    specs = list(_specs(command))
    if not command.subcommands:
        return _LEAF.format(name=name, specs=_SPEC_SEPARATOR.join(specs))
    described = [_quote(f"{_escape(s.path[-1], ':')}:{s.help}") for s in command.subcommands]
    cases = [f"({s.path[-1]}) {_function_name(s.path)} ;;" for s in command.subcommands]
    return _DISPATCH.format(
        name=name, specs=_SPEC_SEPARATOR.join([*specs, "'1: :->command'", "'*:: :->args'"]),
        described="\n      ".join(described), cases="\n      ".join(cases),
        title=_quote(" ".join(("br", *command.path, "command"))),
    )


def zsh_script(root: Command) -> str:
    """Return a ``#compdef br`` script for zsh's completion system (``_arguments`` and ``_describe``)."""
    install = '# Install: br completion zsh > "${fpath[1]}/_br", then restart zsh.'
    top = "\n".join(["#compdef br", header("zsh"), install])
    functions = [_function(command) for command in root.walk()]
    return "\n\n".join([top, _IDS.strip(), *functions, '_br "$@"']) + "\n"
