"""Branding of the /billing page: validation and the WCAG AA contrast check (`make check-branding`).

`config.json`'s optional `branding` object (see web/README.md#branding) is checked here with the same rules as the
page's `web/branding.js`, and its colours with the same contrast check (`local/contrast.py`, as `web/contrast.js`),
so a brand that passes `make check-branding` loads without a console warning. The colours a brand leaves out keep
the page's defaults, read from the `:root` block of `web/app.css` (one home for today's look).

    python -m local.branding [PATH]   # default: $BRANDING_PATH, else branding.json beside the catalog

Exit status 0 when every value is valid and every pair reaches 4.5:1; 1 naming each invalid value and each
failing pair; 2 when the file cannot be read or is not a JSON object.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.contrast import AA, PAIRS, failing_pairs, parse_color

REPO_ROOT = Path(__file__).resolve().parents[1]
APP_CSS = REPO_ROOT / "web" / "app.css"
DEFAULT_CATALOG = REPO_ROOT / "layers" / "shared" / "billing_core" / "catalog" / "demo.json"

KEYS = (
    "name",
    "logo_url",
    "favicon_url",
    "colors",
    "font_family",
    "border_radius",
    "support_url",
    "support_email",
)

_FONT = re.compile(r"^[A-Za-z0-9 _\"',.-]{1,200}$")
_RADIUS = re.compile(r"^(0|\d{1,2}(\.\d+)?(px|rem|em))$")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


class BrandingError(Exception):
    """The branding file cannot be used at all (unreadable, not JSON, not an object); the message names it."""


def default_colors(css: Path = APP_CSS) -> dict[str, str]:
    """The page's default colours: the `--color-*` custom properties of app.css's first `:root` block."""
    text = css.read_text(encoding="utf-8")
    root = re.search(r":root\s*\{(.*?)\}", text, re.DOTALL)
    body = root.group(1) if root else ""
    return {m.group(1).replace("-", "_"): m.group(2).strip() for m in re.finditer(r"--color-([a-z-]+):([^;]+);", body)}


def _url_ok(v: object) -> bool:
    """https://host/..., or a same-origin relative URL (no scheme, not //host, no backslash or whitespace)."""
    if not isinstance(v, str) or not v or len(v) > 2000 or re.search(r"[\s\\]", v):
        return False
    parts = urlsplit(v)
    if parts.scheme:
        return v.startswith("https://") and bool(parts.netloc)
    return not v.startswith("//") and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", v)


def validate(branding: object) -> tuple[dict[str, Any], list[str]]:
    """(the valid part of `branding`, one message per invalid or unknown value). What the page would apply."""
    if not isinstance(branding, dict):
        return {}, ["branding must be a JSON object"]
    clean: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in branding.items():
        if key not in KEYS:
            problems.append(f"{key}: unknown key (known: {', '.join(KEYS)})")
        elif key == "colors":
            if not isinstance(value, dict):
                problems.append("colors: must be an object of colour names to CSS colours")
                continue
            known = default_colors()
            colors = {}
            for name, color in value.items():
                if name not in known:
                    problems.append(f"colors.{name}: unknown colour (known: {', '.join(sorted(known))})")
                elif parse_color(color) is None:
                    problems.append(f"colors.{name}: {color!r} is not a #hex, rgb() or hsl() colour")
                else:
                    colors[name] = color.strip()
            clean["colors"] = colors
        elif key == "name":
            if isinstance(value, str) and 0 < len(value.strip()) <= 80:
                clean[key] = value.strip()
            else:
                problems.append("name: must be text of 1 to 80 characters")
        elif key in ("logo_url", "favicon_url", "support_url"):
            if _url_ok(value):
                clean[key] = value
            else:
                problems.append(f"{key}: {value!r} must be an https:// URL or a same-origin relative one")
        elif key == "support_email":
            if isinstance(value, str) and len(value) <= 254 and _EMAIL.match(value):
                clean[key] = value
            else:
                problems.append(f"support_email: {value!r} is not an e-mail address")
        elif key == "font_family":
            if isinstance(value, str) and _FONT.match(value):
                clean[key] = value
            else:
                problems.append("font_family: letters, digits, spaces, quotes, commas, dots and hyphens only")
        elif key == "border_radius":
            if isinstance(value, str) and _RADIUS.match(value):
                clean[key] = value
            else:
                problems.append(f"border_radius: {value!r} must be 0 or a length in px, rem or em (e.g. 6px)")
    return clean, problems


def check(branding: object) -> tuple[dict[str, Any], list[str], list[tuple[str, float]]]:
    """(valid part, problems, failing contrast pairs of the defaults merged with the brand's colours)."""
    clean, problems = validate(branding)
    merged = default_colors() | clean.get("colors", {})
    return clean, problems, failing_pairs(merged)


def branding_path(env: dict[str, str] | None = None) -> Path:
    """$BRANDING_PATH, else branding.json beside the catalog ($CATALOG_PATH or the demo catalog)."""
    env = dict(os.environ if env is None else env)
    if env.get("BRANDING_PATH"):
        return Path(env["BRANDING_PATH"])
    return Path(env.get("CATALOG_PATH") or DEFAULT_CATALOG).parent / "branding.json"


def load(path: Path) -> object:
    """The JSON object in `path`; BrandingError naming the file when it cannot be read or is not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BrandingError(f"branding file {path} cannot be read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise BrandingError(f"branding file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BrandingError(f"branding file {path} must hold a JSON object")
    return data


def report(branding: object) -> tuple[list[str], bool]:
    """The lines `check-branding` prints and whether the brand passes."""
    _, problems, failing = check(branding)
    lines = [f"INVALID {p}" for p in problems]
    lines += [f"FAIL {pair}: {ratio:.2f}:1 is below WCAG AA {AA}:1" for pair, ratio in failing]
    ok = not problems and not failing
    if ok:
        lines.append(f"OK: every value is valid and all {len(PAIRS)} colour pairs reach WCAG AA {AA}:1")
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m local.branding [PATH]", file=sys.stderr)
        return 2
    path = Path(args[0]) if args and args[0] else branding_path()
    if not args and not path.exists():
        print(f"no branding file at {path}: checking the page's default colours")
        branding: object = {}
    else:
        try:
            branding = load(path)
        except BrandingError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"checking {path}")
    lines, ok = report(branding)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
