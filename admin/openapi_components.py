"""The OpenAPI contract's components: every app's ``components.schemas`` merged into one, without name clashes.

A model of the same name in two apps is kept once when both are equal and named ``<Area><Name>`` when they differ;
each app's document has its ``$ref``s rewritten to the merged names. Used by ``admin.openapi``.
"""

from __future__ import annotations

import json
from typing import Any


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                name = value.rsplit("/", 1)[1]
                out[key] = "#/components/schemas/" + renames.get(name, name)
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def _pascal(area: str) -> str:
    return "".join(part.capitalize() for part in area.split("_"))


def merge_components(docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One ``components.schemas`` for all apps; each app's doc has its refs rewritten to the merged names."""
    renames: dict[str, dict[str, str]] = {area: {} for area in docs}
    while True:
        variants: dict[str, dict[str, list[str]]] = {}
        for area, doc in sorted(docs.items()):
            for name, schema in doc.get("components", {}).get("schemas", {}).items():
                text = json.dumps(_rename_refs(schema, renames[area]), sort_keys=True)
                variants.setdefault(renames[area].get(name, name), {}).setdefault(text, []).append(area)
        clashing = {name: v for name, v in variants.items() if len(v) > 1}
        if not clashing:
            break
        for name, by_text in clashing.items():
            for area in (a for areas in by_text.values() for a in areas):
                for original in docs[area]["components"]["schemas"]:
                    if renames[area].get(original, original) == name:
                        renames[area][original] = f"{_pascal(area)}{original}"
    schemas: dict[str, Any] = {}
    for area, doc in sorted(docs.items()):
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            schemas[renames[area].get(name, name)] = _rename_refs(schema, renames[area])
        docs[area] = _rename_refs(doc, renames[area])
    return schemas
