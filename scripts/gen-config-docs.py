#!/usr/bin/env python3
"""Regenerates .env.example and the variable table of docs/CONFIGURATION.md from
ENV_VARS in cartographus-server/src/config/raw.rs. A server test checks both stay in step."""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
src = (root / "cartographus-server/src/config/raw.rs").read_text()
block = src[src.index("pub const ENV_VARS"):]
rows = re.findall(r'\(\s*"([A-Z_0-9]+)",\s*"([^"]*)",\s*"([^"]*)",?\s*\)', block)

env = [
    "# Cartographus settings. Copy to .env (or export them) and fill in what you use.",
    "# Every setting can also live in cartographus.toml (see docs/CONFIGURATION.md);",
    "# environment variables win over the file, which wins over the defaults.",
    "",
]
for name, desc, default in rows:
    literal = default if default and " " not in default and "'" not in default else ""
    env += [f"# {desc} (default: {default or 'empty'})", f"# {name}={literal}", ""]
(root / ".env.example").write_text("\n".join(env))

doc_path = root / "docs/CONFIGURATION.md"
doc = doc_path.read_text()
table = ["| variable | meaning | default |", "|---|---|---|"]
for name, desc, default in rows:
    table.append(f"| `{name}` | {desc} | {('`' + default + '`') if default else '—'} |")
start = doc.index("| variable | meaning | default |")
end = doc.index("\n\n", start)
doc_path.write_text(doc[:start] + "\n".join(table) + doc[end:])
print(f"{len(rows)} settings")
