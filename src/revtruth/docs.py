"""Documentation generated from the code, so it cannot drift: the README's CLI reference
and settings table, and the dbt project's `vars:` (settings defaults live in one place,
revtruth.config.settings).

`python -m revtruth.docs` rewrites the blocks between the markers; tests fail when a block
and the code disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import typer.main

BLOCKS = {
    "cli-reference": lambda: render_cli_reference(),
    "settings-reference": lambda: render_settings_reference(),
}
DBT_PROJECT_BLOCKS = {"settings": lambda: render_dbt_vars()}
METRICS_DOC_BLOCKS = {"metric-settings": lambda: render_metric_settings()}


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


def render_settings_reference() -> str:
    """One row per setting: key, environment variable, default, meaning."""
    from revtruth.config.settings import default_of, env_var_name, iter_keys
    from revtruth.config.template import toml_value

    rows = ["| key | environment variable | default | meaning |", "| --- | --- | --- | --- |"]
    for key, f in iter_keys():
        if f.metadata.get("secret"):
            default = "(secret)"
        elif f.metadata.get("table"):
            default = "(table)"
        else:
            default = toml_value(default_of(key))
        meaning = f.metadata.get("help", "").replace("|", "/")
        if f.metadata.get("secret") and not f.metadata.get("table"):
            meaning = f"SECRET, set in the environment or .revtruth/secrets.toml: {meaning}"
        rows.append(f"| `{key}` | `{env_var_name(key)}` | `{default}` | {meaning} |")
    return "\n".join(rows) + "\n"


METRICS_DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def section_titles(markdown: Path) -> list[str]:
    """The second-level headings of a markdown file."""
    return [
        line[3:].strip() for line in markdown.read_text().splitlines() if line.startswith("## ")
    ]


def anchor_of(title: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def render_metric_settings() -> str:
    """docs/metrics.md's table of the metric conventions: setting, default, meaning, and the
    section that explains it."""
    from revtruth.config.settings import default_of, iter_keys
    from revtruth.config.template import toml_value

    headings = {anchor_of(title): title for title in section_titles(METRICS_DOC)}
    rows = ["| setting | default | meaning | explained in |", "|---|---|---|---|"]
    for key, f in iter_keys():
        if not key.startswith("metrics."):
            continue
        anchor = f.metadata.get("doc", "")
        title = headings.get(anchor, anchor)
        meaning = f.metadata.get("help", "").replace("|", "/")
        default = toml_value(default_of(key))
        rows.append(
            f"| `{key.split('.', 1)[1]}` | `{default}` | {meaning} | [{title}](#{anchor}) |"
        )
    return "\n".join(rows) + "\n"


def render_dbt_vars() -> str:
    """The dbt project's `vars:` entries: every var revtruth passes, with its default."""
    from revtruth.config import dbt_var_defaults
    from revtruth.config.template import toml_value

    return "".join(f"  {name}: {toml_value(value)}\n" for name, value in dbt_var_defaults().items())


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def _yaml_markers(name: str) -> tuple[str, str]:
    return f"  # {name}:start", f"  # {name}:end"


def _rewrite(path: Path, blocks: dict[str, Any], markers: Any) -> bool:
    """Replace the text between each block's markers with what its renderer gives."""
    text = original = path.read_text()
    for name, render in blocks.items():
        start, end = markers(name)
        block = f"{start}\n{render()}{end}"
        pattern = re.escape(start) + r".*?" + re.escape(end)
        text = re.sub(pattern, lambda _, block=block: block, text, flags=re.DOTALL)
    if text != original:
        path.write_text(text)
    return text != original


def generated_block(path: Path, name: str, *, yaml_file: bool = False) -> str:
    """The text between a block's markers in a file, as it is now."""
    start, end = (_yaml_markers if yaml_file else _markers)(name)
    return path.read_text().split(start, 1)[1].split(end, 1)[0].strip("\n") + "\n"


def update(readme: Path) -> list[Path]:
    """Regenerate every generated block: the README's and the dbt project's vars."""
    from revtruth.transform.runner import PROJECT_DIR

    changed = []
    if _rewrite(readme, BLOCKS, _markers):
        changed.append(readme)
    dbt_project = PROJECT_DIR / "dbt_project.yml"
    if _rewrite(dbt_project, DBT_PROJECT_BLOCKS, _yaml_markers):
        changed.append(dbt_project)
    if _rewrite(METRICS_DOC, METRICS_DOC_BLOCKS, _markers):
        changed.append(METRICS_DOC)
    return changed


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("README.md")
    changed = update(target)
    print("updated " + ", ".join(map(str, changed)) if changed else "up to date")
