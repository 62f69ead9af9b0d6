"""Fail when Odoo's own test runner would run fewer tests than pytest collects.

pytest (``make test``) collects every ``tests/test_*.py`` file of the addon.
Odoo's runner (``odoo-bin --test-enable``, ``odoo.tests.loader``) only sees the
test modules that ``tests/__init__.py`` imports, and of those only the classes
defined in the module itself, with the ``test*`` methods of their own body
(inherited ones only with ``allow_inherited_tests_method``) and the
``standard`` tag. A test module left out of ``tests/__init__.py`` is green
under pytest and never run by Odoo.

This counts both from the source with ``ast``: nothing is imported, no Odoo
nor database is needed, it takes milliseconds. It exits 1, naming each module
whose count differs and why, when the two totals are not equal.

    python tools/check_test_count.py [ADDON_DIR]   (default: website_preorder)
"""

import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_TAGS = frozenset({"standard", "at_install"})


class TestModule:
    """One ``tests/test_*.py`` file: its classes and the names it imports."""

    def __init__(self, path, package):
        self.path = path
        self.name = path.stem
        self.package = package  # dotted name of the tests package
        tree = ast.parse(path.read_text(), filename=str(path))
        self.classes = {}  # name -> ast.ClassDef, top-level definitions
        self.imported = {}  # local name -> (test module name, name there)
        self.submodules = set()  # test_* modules this one imports
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                self.classes[node.name] = node
            elif isinstance(node, ast.ImportFrom):
                self._import_from(node)

    def _import_from(self, node):
        target = _relative_target(node, self.package)
        if target is None:
            return
        if target == "":  # from . import test_x
            self.submodules.update(a.name for a in node.names if a.name.startswith("test_"))
            return
        for alias in node.names:
            self.imported[alias.asname or alias.name] = (target, alias.name)
        if target.startswith("test_"):
            self.submodules.add(target)


def _relative_target(node, package):
    """The module of the tests package an ``import from`` names: ``""`` for the
    package itself, ``"common"`` for ``.common``; None when outside of it."""
    if node.level == 1:
        return node.module or ""
    if node.level == 0 and node.module:
        if node.module == package:
            return ""
        if node.module.startswith(package + "."):
            return node.module[len(package) + 1 :]
    return None


class Suite:
    def __init__(self, addon):
        self.addon = addon
        self.tests_dir = addon / "tests"
        self.package = f"odoo.addons.{addon.name}.tests"
        self.modules = {
            path.stem: TestModule(path, self.package)
            for path in sorted(self.tests_dir.glob("*.py"))
            if path.stem != "__init__"
        }

    def resolve(self, module, name, seen=()):
        """(module, ClassDef) a name of ``module`` stands for, if it is a class
        of the tests package; else None (``HttpCase``, ``UtilPerf``...)."""
        if (module.name, name) in seen:
            return None
        seen = (*seen, (module.name, name))
        if name in module.classes:
            return module, module.classes[name]
        if name in module.imported:
            target, there = module.imported[name]
            if target in self.modules:
                return self.resolve(self.modules[target], there, seen)
        return None

    def bases(self, module, cls):
        for base in cls.bases:
            if isinstance(base, ast.Name):
                found = self.resolve(module, base.id)
                if found:
                    yield found

    def own_tests(self, cls):
        return [
            node.name
            for node in cls.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test")
        ]

    def all_tests(self, module, cls):
        """Test method names with the inherited ones, as unittest's loader
        (and so pytest) finds them."""
        names = set(self.own_tests(cls))
        for base_module, base in self.bases(module, cls):
            names |= self.all_tests(base_module, base)
        return names

    def allows_inherited(self, module, cls):
        for node in cls.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "allow_inherited_tests_method"
                for t in node.targets
            ):
                return bool(getattr(node.value, "value", False))
        return any(self.allows_inherited(m, b) for m, b in self.bases(module, cls))

    def tags(self, module, cls):
        """The class's test tags: its first base's (of the package; Odoo's
        defaults if none), then its own @tagged."""
        found = [self.tags(m, b) for m, b in self.bases(module, cls)]
        tags = set(found[0]) if found else set(DEFAULT_TAGS)
        for decorator in cls.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and getattr(decorator.func, "id", getattr(decorator.func, "attr", None)) == "tagged"
            ):
                values = [a.value for a in decorator.args if isinstance(a, ast.Constant)]
                tags |= {t for t in values if not t.startswith("-")}
                tags -= {t[1:] for t in values if t.startswith("-")}
        return tags

    # ------------------------------------------------------------------

    def imported_by_init(self):
        """The test modules Odoo's loader finds (the tests package's ``test_*``
        attributes: what ``__init__.py`` imports and, transitively, what those
        modules import from the package), and the names it imports that have
        no file."""
        init = self.tests_dir / "__init__.py"
        tree = ast.parse(init.read_text(), filename=str(init)) if init.exists() else None
        todo = set()
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.ImportFrom):
                target = _relative_target(node, self.package)
                if target == "":
                    todo.update(a.name for a in node.names)
                elif target:
                    todo.add(target.split(".")[0])
        unknown = sorted(todo - set(self.modules))
        loaded = set()
        while todo:
            name = todo.pop()
            if name in loaded or name not in self.modules:
                continue
            loaded.add(name)
            todo |= self.modules[name].submodules
        return {name for name in loaded if name.startswith("test_")}, unknown

    def pytest_count(self, module):
        """pytest runs every TestCase class bound in the module (defined or
        imported) with all its test methods, inherited ones included."""
        count, notes = 0, []
        for name in list(module.classes) + list(module.imported):
            found = self.resolve(module, name)
            if not found:
                continue
            tests = self.all_tests(*found)
            count += len(tests)
            if tests and name not in module.classes:
                notes.append(f"imports {name} ({len(tests)} test(s)), which pytest runs here too")
        return count, notes

    def odoo_count(self, module):
        """Odoo's loader: classes defined in the module, own test methods
        (inherited ones with ``allow_inherited_tests_method``), standard tag."""
        count, notes = 0, []
        for cls in module.classes.values():
            tests = self.all_tests(module, cls)
            if not self.allows_inherited(module, cls):
                inherited = len(tests) - len(self.own_tests(cls))
                if inherited:
                    notes.append(
                        f"{cls.name} inherits {inherited} test(s), which Odoo's loader skips"
                    )
                tests = self.own_tests(cls)
            if tests and "standard" not in self.tags(module, cls):
                notes.append(f"{cls.name} is tagged -standard")
                continue
            count += len(tests)
        return count, notes


def main(argv):
    addon = pathlib.Path(argv[1]).resolve() if len(argv) > 1 else ROOT / "website_preorder"
    suite = Suite(addon)
    loaded, missing_files = suite.imported_by_init()
    test_files = [m for m in suite.modules.values() if m.name.startswith("test_")]
    pytest_total = odoo_total = 0
    problems = []
    for module in test_files:
        by_pytest, pytest_notes = suite.pytest_count(module)
        by_odoo, odoo_notes = suite.odoo_count(module) if module.name in loaded else (0, [])
        pytest_total += by_pytest
        odoo_total += by_odoo
        if by_pytest == by_odoo:
            continue
        where = f"{addon.name}/tests/{module.name}.py"
        if module.name not in loaded:
            problems.append(
                f"{where}: {by_pytest} test(s) never run by Odoo's runner: "
                f"{addon.name}/tests/__init__.py does not import {module.name}"
            )
        else:
            why = "; ".join(pytest_notes + odoo_notes)
            problems.append(
                f"{where}: pytest collects {by_pytest}, Odoo's loader {by_odoo} ({why})"
            )
    print(
        f"tests of {addon.name}: Odoo's loader {odoo_total} in {len(loaded)} module(s), "
        f"pytest {pytest_total} in {len(test_files)} module(s)"
    )
    if missing_files or problems or pytest_total != odoo_total:
        for name in missing_files:
            print(
                f"ERROR: {addon.name}/tests/__init__.py imports {name}, which has no file",
                file=sys.stderr,
            )
        for problem in problems:
            print(f"ERROR: {problem}", file=sys.stderr)
        print("ERROR: Odoo's runner and pytest would not run the same tests.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
