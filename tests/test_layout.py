"""The house a newcomer walks into: rooms without import circles, no private name used across
modules, and a README layout table that names every module where it lives."""

from __future__ import annotations

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("compiler", "generator", "interpreter", "fountain")


def _modules() -> dict[str, pathlib.Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


MODULES = _modules()


def _imports(name: str, path: pathlib.Path) -> list[tuple[ast.AST, str, list[str]]]:
    """(node, module imported, names taken from it) for every import statement, at any depth."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.append((node, base, [alias.name for alias in node.names]))
    return found


def _edges() -> dict[str, set[str]]:
    """Module -> the project modules it imports (a name that is a submodule counts as it)."""
    edges = {}
    for name, path in MODULES.items():
        targets = set()
        for _, module, names in _imports(name, path):
            submodules = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
            targets.update(submodules)
            if module in MODULES and len(submodules) < len(names) or module in MODULES and not names:
                targets.add(module)
        edges[name] = targets - {name}
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, components, counter = {}, {}, set(), [], [], [0]
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def test_no_import_circles():
    """Imports inside functions count too: a circle held together by a late import is still one."""
    assert _cycles(_edges()) == []


def test_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_private_name_crosses_a_module():
    crossings = []
    for name, path in MODULES.items():
        aliases = {}
        for node, module, _ in _imports(name, path):
            if isinstance(node, ast.ImportFrom) and module.split(".")[0] in PACKAGES:
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        crossings.append(f"{name}: from {module} import {alias.name}")
                    if f"{module}.{alias.name}" in MODULES:
                        aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PACKAGES:
                        aliases[alias.asname or alias.name.split(".")[0]] = alias.name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                crossings.append(f"{name}: {node.value.id}.{node.attr}")
    assert crossings == []


def test_readme_layout_names_every_module_in_its_room():
    """Each package folder has a row in the README's layout table that names each of its modules."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout"):]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([\w/]+)/` \| (.*) \|$", layout, re.M)}
    missing = []
    for name, path in MODULES.items():
        if path.name == "__init__.py" or name.startswith("fountain"):
            continue
        room = path.parent.relative_to(ROOT).as_posix()
        if f"`{path.name}`" not in rows.get(room, ""):
            missing.append(f"{path.relative_to(ROOT)} (row `{room}/`)")
    assert missing == []


def test_package_docstrings_name_their_modules():
    """A sub-room's docstring lists its modules: the first thing `help(compiler.nets)` shows."""
    for init in sorted((ROOT / "compiler").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        modules = sorted(p.name for p in init.parent.glob("*.py") if p.name != "__init__.py")
        assert [m for m in modules if m not in doc] == [], init
