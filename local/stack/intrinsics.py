"""CloudFormation intrinsics resolved to local values: `!Ref`, `!Sub`, `!If`, `!GetAtt`, ... and conditions.

A `!Ref` to a parameter gives its local override or its default, to a resource the local physical name
(`LocalNames`); conditions are evaluated. Short and long forms are the same here (`local.cfn_yaml` loads both
as `{"Ref": ...}` / `{"Fn::Sub": ...}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LocalNames:
    """Local values that stand in for what CloudFormation would create or what parameters would hold."""

    region: str = "us-east-1"
    account_id: str = "123456789012"
    stack_name: str = "billing-local"
    parameters: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)  # "Logical.Attr" -> value


class Resolver:
    """Evaluates intrinsic functions against `LocalNames`."""

    def __init__(self, template: dict[str, Any], names: LocalNames) -> None:
        self.template = template
        self.names = names
        self._conditions: dict[str, bool] = {}

    def parameter(self, name: str) -> Any:
        if name in self.names.parameters:
            value: Any = self.names.parameters[name]
        else:
            spec = self.template.get("Parameters", {}).get(name)
            if spec is None:
                raise KeyError(f"unknown parameter {name}")
            value = spec.get("Default", "")
            if not isinstance(value, str):
                value = str(value)
            if spec.get("Type") == "CommaDelimitedList":
                return [v.strip() for v in value.split(",") if v.strip()]
        spec = self.template.get("Parameters", {}).get(name, {})
        if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.names.region,
            "AWS::AccountId": self.names.account_id,
            "AWS::StackName": self.names.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}) or name in self.names.parameters:
            return self.parameter(name)
        if name in self.names.resources:
            return self.names.resources[name]
        raise KeyError(f"no local value for !Ref {name}")

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self.resolve(self.template.get("Conditions", {})[name]))
        return self._conditions[name]

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.resolve(v) for v in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if key == "Fn::Equals":
                a, b = (self.resolve(v) for v in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(v) for v in arg)
            if key == "Fn::Or":
                return any(self.resolve(v) for v in arg)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(v) for v in self.resolve(items))
            if key == "Fn::Select":
                idx, items = arg
                return self.resolve(items)[int(self.resolve(idx))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
                k = f"{logical}.{attr}"
                if k in self.names.attributes:
                    return self.names.attributes[k]
                raise KeyError(f"no local value for !GetAtt {k}")
            if key == "Fn::Sub":
                return self._sub(arg)
        return {k: self.resolve(v) for k, v in node.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                return str(self.resolve({"Fn::GetAtt": name.split(".", 1)}))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", repl, text)
