"""`make check-branding` (local/branding.py, local/contrast.py): the WCAG contrast formula, the validation rules
the page shares, the CLI's exit status and messages, and the offline stack's reading of branding.json."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from local import branding as b
from local import contrast as c
from local.stack.stack import load_branding

REPO = Path(__file__).resolve().parents[3]
ACME = REPO / "local" / "stack" / "examples" / "branding.acme.json"


@pytest.mark.parametrize(
    ("fg", "bg", "ratio"),
    [
        ("#777", "#fff", 4.48),  # the classic just-below-AA grey
        ("#767676", "#ffffff", 4.54),
        ("#000", "#fff", 21.0),
        ("#fff", "#fff", 1.0),
        ("#0a58ca", "#fff", 6.44),  # today's primary on white
        ("rgb(119, 119, 119)", "hsl(0 0% 100%)", 4.48),
    ],
)
def test_contrast_ratio_matches_known_wcag_values(fg: str, bg: str, ratio: float) -> None:
    got = c.contrast(fg, bg)
    assert got is not None and round(got, 2) == ratio
    assert round(c.contrast(bg, fg) or 0, 2) == ratio  # symmetric


def test_colour_forms_parse_to_the_same_rgb() -> None:
    assert c.parse_color("#0a58ca") == c.parse_color("rgb(10, 88, 202)") == c.parse_color("rgb(10 88 202 / 1)")
    assert c.parse_color("hsl(120deg 100% 25%)") == (0.0, 127.5, 0.0, 1.0)
    assert c.parse_color("#fff8") == (255.0, 255.0, 255.0, 0x88 / 255)
    assert c.parse_color("rgba(10,88,202,.5)") == c.parse_color("rgb(10 88 202/50%)") == (10.0, 88.0, 202.0, 0.5)
    for bad in (
        "red",
        "#ggg",
        "rgb(1,2)",
        "rgb(1, 2 3)",
        "rgb(1 2 3, .5)",
        "hsl(10%, 50%, 50%)",
        "url(x)",
        "",
        None,
        7,
    ):
        assert c.parse_color(bad) is None, bad


def test_translucent_text_is_blended_over_its_background() -> None:
    # Black at 50% on white is mid grey (3.98:1), not black (21:1).
    assert c.contrast("rgba(0, 0, 0, .5)", "#fff") == c.contrast("rgb(127.5 127.5 127.5)", "#fff")
    assert round(c.contrast("rgba(0, 0, 0, .5)", "#fff") or 0, 2) == 3.98


def test_the_default_look_passes_and_is_read_from_app_css() -> None:
    defaults = b.default_colors()
    assert defaults["primary"] == "#0a58ca" and defaults["text"] == "#1b1f24"
    assert {k for pair in c.PAIRS for k in pair} <= set(defaults)
    assert c.failing_pairs(defaults) == []


def test_validation_keeps_valid_values_and_names_each_invalid_one() -> None:
    clean, problems = b.validate(
        {
            "name": "Acme",
            "logo_url": "javascript:alert(1)",
            "favicon_url": "//evil.example/x.ico",
            "support_url": "/help",
            "support_email": "not an email",
            "font_family": "Inter; } body { display:none",
            "border_radius": "4px",
            "colors": {"primary": "#123456", "text": "blue", "sparkle": "#fff"},
            "motto": "x",
        }
    )
    assert clean == {"name": "Acme", "support_url": "/help", "border_radius": "4px", "colors": {"primary": "#123456"}}
    joined = "\n".join(problems)
    for key in ("logo_url", "favicon_url", "support_email", "font_family", "colors.text", "colors.sparkle", "motto"):
        assert key in joined, key


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://cdn.example.com/logo.svg", True),
        ("/billing/logo.svg", True),
        ("logo.svg", True),
        ("http://cdn.example.com/logo.svg", False),
        ("//cdn.example.com/logo.svg", False),
        ("data:image/svg+xml,<svg/>", False),
        ("javascript:alert(1)", False),
        ("https:logo.svg", False),
        ("/a b.svg", False),
    ],
)
def test_urls_must_be_https_or_same_origin_relative(url: str, ok: bool) -> None:
    clean, _ = b.validate({"logo_url": url})
    assert ("logo_url" in clean) is ok


def test_check_branding_passes_the_example_brand(capsys: pytest.CaptureFixture[str]) -> None:
    assert b.main([str(ACME)]) == 0
    assert "OK: every value is valid" in capsys.readouterr().out


def test_check_branding_fails_naming_each_low_contrast_pair_and_invalid_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "branding.json"
    path.write_text(json.dumps({"colors": {"text": "#777", "background": "#fff", "danger": "#ff8080", "primary": "x"}}))
    assert b.main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL text/background: 4.48:1 is below WCAG AA 4.5:1" in out
    assert "FAIL danger/background:" in out and "FAIL danger/surface:" in out
    assert "INVALID colors.primary" in out
    assert "OK" not in out


def test_check_branding_refuses_a_file_that_is_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "branding.json"
    path.write_text("{not json")
    assert b.main([str(path)]) == 2
    assert f"branding file {path} is not valid JSON" in capsys.readouterr().err


def test_make_check_branding_exits_non_zero_on_a_failing_file(tmp_path: Path) -> None:
    path = tmp_path / "low.json"
    path.write_text(json.dumps({"colors": {"primary": "#ffd966"}}))
    failing = subprocess.run(
        ["make", "-s", "check-branding", f"BRANDING={path}"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert failing.returncode != 0
    assert "FAIL primary/background" in failing.stdout and "FAIL primary/surface" in failing.stdout
    passing = subprocess.run(
        ["make", "-s", "check-branding", f"BRANDING={ACME}"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert passing.returncode == 0, passing.stdout + passing.stderr


def test_the_offline_stack_reads_branding_beside_the_catalog(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    assert load_branding({"CATALOG_PATH": str(catalog)}) is None  # no branding.json: none
    (tmp_path / "branding.json").write_text(json.dumps({"name": "Beside", "colors": {"primary": "nope"}}))
    assert load_branding({"CATALOG_PATH": str(catalog)}) == {"name": "Beside", "colors": {}}
    assert load_branding({"BRANDING_PATH": str(ACME)}) == json.loads(ACME.read_text())


def test_the_offline_stack_refuses_a_branding_file_it_cannot_use(tmp_path: Path) -> None:
    with pytest.raises(b.BrandingError, match="cannot be read"):
        load_branding({"BRANDING_PATH": str(tmp_path / "missing.json")})
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(b.BrandingError, match="must hold a JSON object"):
        load_branding({"BRANDING_PATH": str(tmp_path / "list.json")})
