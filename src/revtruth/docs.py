"""Documentation generated from the code, so it cannot drift: the README's CLI reference.

`python -m revtruth.docs` rewrites the block between the markers in README.md; a test
fails when the README and the CLI disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import typer.main

BLOCKS = {
    "cli-reference": lambda: render_cli_reference(),
    "settings-reference": lambda: render_settings_reference(),
}


# Typer carries its own copy of click, so commands are recognised by what they have.
def _is_group(command) -> bool:
    return hasattr(command, "commands")


def _walk(command, path: list[str]):
    yield path, command
    if _is_group(command):
        for name in sorted(command.commands):
            yield from _walk(command.commands[name], [*path, name])


def _option_row(param) -> str:
    if param.param_type_name == "argument":
        names = f"`{param.name.upper()}`" + ("…" if param.nargs == -1 else "")
        return f"| {names} | argument | {getattr(param, 'help', '') or ''} |"
    names = ", ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
    default = param.default
    shown = "" if default in (None, False, ()) or callable(default) else f" (default: `{default}`)"
    if hasattr(default, "value"):
        shown = f" (default: `{default.value}`)"
    return f"| {names} | option | {(param.help or '').replace('|', '/')}{shown} |"


def render_cli_reference() -> str:
    from revtruth.cli import app

    root = typer.main.get_command(app)
    parts = []
    for path, command in _walk(root, ["revtruth"]):
        if _is_group(command):
            if len(path) > 1:
                parts.append(f"### `{' '.join(path)} …`\n\n{command.help or ''}\n")
            continue
        params = [p for p in command.params if p.name != "help"]
        usage = " ".join(command.collect_usage_pieces(command.context_class(command)))
        lines = [
            f"### `{' '.join(path)}`",
            "",
            (command.help or "").strip(),
            "",
            f"    {' '.join(path)} {usage}",
            "",
        ]
        if params:
            lines += ["| name | kind | meaning |", "| --- | --- | --- |"]
            lines += [_option_row(p) for p in params]
            lines.append("")
        parts.append("\n".join(lines))
    return "\n".join(parts).strip() + "\n"


def _default_of(key: str) -> str:
    import dataclasses

    from revtruth.config import Settings

    node = Settings()
    for part in key.split("."):
        node = getattr(node, part)
    if dataclasses.is_dataclass(node) or hasattr(node, "keys"):
        return "(table)"
    if isinstance(node, tuple):
        return "[" + ", ".join(f'"{v}"' for v in node) + "]"
    if isinstance(node, bool):
        return str(node).lower()
    if node is None:
        return "(secret, unset)"
    return f'"{node}"' if isinstance(node, str) else str(node)


def render_settings_reference() -> str:
    """One row per setting: key, environment variable, default, meaning (from the template)."""
    from revtruth.config import documented_keys, env_var_name, render_template, secret_keys

    template = render_template()
    secrets = set(secret_keys())
    rows = ["| key | environment variable | default | meaning |", "| --- | --- | --- | --- |"]
    for key in documented_keys():
        env = env_var_name(key)
        meaning = ""
        for line in template.splitlines():
            if f"Env: {env}" in line and line.lstrip().startswith("#"):
                text = line.split("Env:")[0].lstrip("# ").strip()
                meaning = text.split("#", 1)[-1].strip() if "=" in text else text
                break
        default = "(secret)" if key in secrets else _default_of(key)
        rows.append(f"| `{key}` | `{env}` | `{default}` | {meaning.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def update_readme(readme: Path) -> bool:
    text = original = readme.read_text()
    for name, render in BLOCKS.items():
        start, end = _markers(name)
        block = f"{start}\n{render()}{end}"
        pattern = re.escape(start) + r".*?" + re.escape(end)
        text = re.sub(pattern, lambda _, block=block: block, text, flags=re.DOTALL)
    if text != original:
        readme.write_text(text)
    return text != original


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("README.md")
    print("updated" if update_readme(target) else "up to date")
