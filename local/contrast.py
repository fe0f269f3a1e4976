"""WCAG 2.x contrast of the /billing page's colour pairs: the same colour forms, formula and pairs as
`web/contrast.js` (tests/browser/test_brand_embed.py compares both). Used by `local/branding.py`.

Colours: #rgb(a), #rrggbb(aa), rgb()/rgba(), hsl()/hsla() (commas throughout, or spaces with "/ alpha"). Relative
luminance L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels (c <= 0.04045 ? c / 12.92 :
((c + 0.055) / 1.055) ** 2.4), contrast (L1 + 0.05) / (L2 + 0.05), AA for normal text 4.5:1, compared unrounded
(#777 on #fff is 4.48:1 and fails). A translucent foreground is blended over its background, a translucent
background over white.
"""

from __future__ import annotations

import math
import re

AA = 4.5
PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "background"),
    ("text", "surface"),
    ("text", "input_background"),
    ("text", "selected_background"),
    ("muted", "background"),
    ("muted", "surface"),
    ("primary", "background"),
    ("primary", "surface"),
    ("primary_text", "primary"),
    ("danger", "background"),
    ("danger", "surface"),
    ("danger", "danger_background"),
    ("success", "background"),
    ("success", "surface"),
    ("success", "success_background"),
    ("warning", "warning_badge_background"),
    ("info_text", "info_background"),
    ("danger_text", "danger_background"),
    ("primary", "danger_background"),  # "Contact support" under an error
    ("muted", "danger_background"),  # "Reference for support"
    ("success_text", "success_background"),
    ("warning_text", "warning_background"),
)
_NUM = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?"
_ARGS = rf"\s*({_NUM}(?:%|deg)?)"
_ARG = rf"({_NUM}%?)\s*"
# Commas throughout (legacy) or spaces with an optional "/ alpha" (modern), as CSS accepts.
_FUNCS = [
    re.compile(rf"^(rgba?|hsla?)\({_ARGS}\s*{rest}\)$", re.IGNORECASE)
    for rest in (rf",\s*{_ARG},\s*{_ARG}(?:,\s*{_ARG})?", rf"\s+{_ARG}\s+{_ARG}(?:/\s*{_ARG})?")
]
_HEX = re.compile(r"^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$", re.IGNORECASE)

Color = tuple[float, float, float, float]


def _clamp(x: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, x))


def _alpha(s: str | None) -> float:
    if s is None:
        return 1.0
    return _clamp(float(s[:-1]) / 100 if s.endswith("%") else float(s), 0, 1)


def _hsl(h: float, s: float, light: float) -> tuple[float, float, float]:
    def f(n: int) -> float:
        k = math.fmod(n + h / 30, 12)
        return light - s * min(light, 1 - light) * max(-1.0, min(k - 3, 9 - k, 1))

    return f(0) * 255, f(8) * 255, f(4) * 255


def parse_color(value: object) -> Color | None:
    """(r, g, b in 0..255, alpha in 0..1) for #hex, rgb()/rgba(), hsl()/hsla(); None for anything else."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    if m := _HEX.match(v):
        d = m.group(1)
        if len(d) <= 4:
            d = "".join(c + c for c in d)
        b = [int(d[i : i + 2] or "ff", 16) for i in (0, 2, 4, 6)]
        return float(b[0]), float(b[1]), float(b[2]), b[3] / 255
    m = _FUNCS[0].match(v) or _FUNCS[1].match(v)
    if not m:
        return None
    fn, a, b2, c, al = m.groups()
    if fn.lower().startswith("rgb"):
        if any(s.endswith("deg") for s in (a, b2, c)):
            return None

        def ch(s: str) -> float:
            return _clamp(float(s[:-1]) * 255 / 100 if s.endswith("%") else float(s), 0, 255)

        return ch(a), ch(b2), ch(c), _alpha(al)
    if a.endswith("%") or not b2.endswith("%") or not c.endswith("%"):
        return None
    hue = math.fmod(math.fmod(float(a.removesuffix("deg")), 360) + 360, 360)
    r, g, bl = _hsl(hue, _clamp(float(b2[:-1]) / 100, 0, 1), _clamp(float(c[:-1]) / 100, 0, 1))
    return r, g, bl, _alpha(al)


def _over(fg: Color, bg: Color) -> Color:
    a = fg[3]
    return fg[0] * a + bg[0] * (1 - a), fg[1] * a + bg[1] * (1 - a), fg[2] * a + bg[2] * (1 - a), 1.0


def luminance(rgb: Color) -> float:
    """WCAG 2.x relative luminance of an opaque colour."""

    def lin(c: float) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])


def contrast(foreground: str, background: str) -> float | None:
    """Contrast ratio (1..21) of `foreground` on `background`; None when either is not a colour."""
    fg, bg0 = parse_color(foreground), parse_color(background)
    if fg is None or bg0 is None:
        return None
    bg = _over(bg0, (255.0, 255.0, 255.0, 1.0))
    l1, l2 = luminance(_over(fg, bg)), luminance(bg)
    return (max(l1, l2) + 0.05) / (min(l1, l2) + 0.05)


def failing_pairs(colors: dict[str, str]) -> list[tuple[str, float]]:
    """("fg/bg", ratio) for each pair of `colors` below AA (compared unrounded)."""
    out = []
    for fg, bg in PAIRS:
        ratio = contrast(colors.get(fg, ""), colors.get(bg, ""))
        if ratio is not None and ratio < AA:
            out.append((f"{fg}/{bg}", ratio))
    return out
