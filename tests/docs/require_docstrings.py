"""Griffe extension used by the docs build: every public object of the API reference must have a docstring.

mkdocstrings loads it (see `mkdocs.yml`); each public class, function, method or field without a docstring is
logged as a warning, and `mkdocs build --strict` turns the warning into a failed build.
"""

from __future__ import annotations

from typing import Any

import griffe

# Public modules whose public members the reference pages render.
PUBLIC_MODULES = (
    "langchain_gemini.chat_models",
    "langchain_gemini.embeddings",
    "langchain_gemini.errors",
    "langchain_gemini.files",
    "langchain_gemini.multimodal",
    "langchain_gemini.safety",
    "langchain_gemini.testing",
)
# Names exported from public modules but defined in private ones (their docstrings count too).
PUBLIC_EXPORTS = ("langchain_gemini",)
# pydantic/enum plumbing that is public by name only.
IGNORED = frozenset({"model_config", "__pydantic_config__"})
logger = griffe.get_logger("require_docstrings")


def _public(name: str) -> bool:
    return not name.startswith("_") and name not in IGNORED


def _exported(module: griffe.Module) -> list[griffe.Object]:
    """The objects `module` exports: its `__all__`, or else its public members defined in it."""
    if module.exports is None:
        return [m for n, m in module.members.items() if _public(n) and isinstance(m, griffe.Object)]
    found = []
    for name in module.exports:
        if not _public(str(name)):
            continue
        member = module.members.get(str(name))
        if isinstance(member, griffe.Alias):
            try:
                member = member.final_target
            except griffe.AliasResolutionError:
                continue  # defined outside the package
        if isinstance(member, griffe.Object):
            found.append(member)
    return found


def _documented_by_parent(obj: griffe.Object) -> bool:
    """True for a field listed in its class docstring's `Attributes:` section (dataclass style)."""
    parent = obj.parent
    if not isinstance(obj, griffe.Attribute) or not isinstance(parent, griffe.Class) or parent.docstring is None:
        return False
    for section in parent.docstring.parse("google"):
        if section.kind is griffe.DocstringSectionKind.attributes and any(a.name == obj.name for a in section.value):
            return True
    return False


def _check(obj: griffe.Object, seen: set[str]) -> None:
    if obj.path in seen or not obj.path.startswith("langchain_gemini"):
        return
    seen.add(obj.path)
    if not obj.has_docstring and not _documented_by_parent(obj):
        logger.warning("%s has no docstring (every public object in the API reference needs one)", obj.path)
    if isinstance(obj, griffe.Class):
        for name, member in obj.members.items():
            if _public(name) and not member.is_alias and isinstance(member, griffe.Object):
                _check(member, seen)


class RequireDocstrings(griffe.Extension):
    """Warn about public objects without a docstring once the package is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Check the exported objects of the public modules of `langchain_gemini`."""
        if pkg.name != "langchain_gemini":
            return
        seen: set[str] = set()
        for path in PUBLIC_MODULES + PUBLIC_EXPORTS:
            module = pkg if path == "langchain_gemini" else pkg.get_member(path.removeprefix("langchain_gemini."))
            for obj in _exported(module):
                _check(obj, seen)
