"""Issue 15: one gender-inclusive style (README, "Schreibweise"): neutral words or the middle dot – no generic
masculine ("Benutzer"), no pair form ("Bürgerinnen und Bürger"), no colon, star or Binnen-I. Searched in the
templates, the Python code (services, views, CLI, demo), the JavaScript and the README (outside its own rule)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BANNED = {
    "generisches Maskulinum": re.compile(r"\b(Benutzer|Teilnehmer|Mitarbeiter|Nutzer|Bürger|Einwohner)(?![·\w])"),
    "„Benutzer…“": re.compile(r"\bBenutzer"),
    "Paarform": re.compile(r"\b(\w+)innen und \1\b|Bürgerinnen und Bürger"),
    "Doppelpunkt/Sternchen/Unterstrich": re.compile(r"[a-zäöüß][:*_]innen\b"),
    "Binnen-I": re.compile(r"[a-zäöüß]Innen\b"),
}
# Code identifiers and data columns are not wording: "einwohner" in a CSV header, a config key …
ALLOWED = re.compile(r"Einwohner\\n|;Einwohner\b")


def _files():
    for folder, pattern in (
        ("templates", "**/*.html"),
        ("templates", "**/*.txt"),
        ("beteiligung", "**/*.py"),
        ("views", "**/*.py"),
        ("static/js", "*.js"),
    ):
        yield from sorted((ROOT / folder).glob(pattern))


def _readme_outside_its_rule() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Schreibweise")
    end = text.index("\n## ", start + 1)
    return text[:start] + text[end:]


def _findings(name: str, text: str) -> list[str]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if ALLOWED.search(line):
            continue
        for what, pattern in BANNED.items():
            match = pattern.search(line)
            if match:
                out.append(f"{name}:{number}: {what}: „{match.group(0)}“")
    return out


def test_no_banned_forms_in_templates_code_and_readme():
    findings = []
    for path in _files():
        findings += _findings(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
    findings += _findings("README.md", _readme_outside_its_rule())
    assert not findings, "\n".join(findings)


def test_the_rule_is_written_in_the_readme_and_the_check_finds_each_form():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Schreibweise" in readme and "Mediopunkt" in readme and "Bürger·innen" in readme
    samples = [
        "Liste der Benutzer",
        "Bürgerinnen und Bürger",
        "Vertreterinnen und Vertreter",
        "Teilnehmer:innen",
        "Planer*innen",
        "BürgerInnen",
        "für alle Teilnehmer",
    ]
    for sample in samples:
        assert _findings("probe", sample), sample
    for fine in ("Bürger·innen", "Teilnehmende", "Einwohner·innen", "Bürgerhaus", "Konten", "Innenstadt"):
        assert not _findings("probe", fine), fine
