"""Reading template.yaml: one YAML loader for CloudFormation's short tags, for the tools and the tests.

``!Ref x`` -> ``{"Ref": x}``, ``!Condition c`` -> ``{"Condition": c}``, ``!GetAtt R.Attr`` -> ``{"Fn::GetAtt": [R,
Attr]}``, every other ``!Tag v`` -> ``{"Fn::Tag": v}`` (scalars, sequences and mappings alike).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "template.yaml"


class CfnLoader(yaml.SafeLoader):
    """A SafeLoader that turns CloudFormation short tags into their long forms."""


def _short_tag(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]  # a MappingNode, checked by the tag
    if suffix in {"Ref", "Condition"}:
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _short_tag)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data; ``ValueError`` when the file is not a mapping."""
    with path.open(encoding="utf-8") as handle:
        loaded = yaml.load(handle, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a template")
    return loaded
