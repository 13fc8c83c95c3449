"""The docs hold together: every relative link and anchor in README.md and docs/*.md
resolves (by GitHub's heading slugs), every page of docs/ is linked from the README and
says first what it answers, and the settings table of docs/operations.md is `Settings`,
both ways, defaults included."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import fields
from pathlib import Path
from urllib.parse import unquote

import pytest

from apps.platform import tracing
from apps.platform.settings import PREFIX, Settings

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
#: Read by the `oms` commands (apps/cli/credentials.py), not by `Settings`: documented
#: beside the settings table, not in it.
CLI_VARIABLES = {"OMS_TOKEN"}

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
CODE_SPAN = re.compile(r"(`+).+?\1")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def prose(text: str) -> list[str]:
    """The lines of `text` outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text lowercased, punctuation but '-' and '_'
    dropped, spaces turned to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor a page has; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: Counter[str] = Counter()
    found = set()
    for line in prose(text):
        found.update(HTML_ANCHOR.findall(line))
        if heading := HEADING.match(line):
            base = slug(heading.group(2))
            found.add(f"{base}-{seen[base]}" if seen[base] else base)
            seen[base] += 1
    return found


def links(text: str) -> list[str]:
    """The targets of the page's links and images that stay in this repository."""
    targets = []
    for line in prose(text):
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if not SCHEME.match(target):
                targets.append(target)
    return targets


def broken(page: Path) -> list[str]:
    """Each link of `page` to a file that does not exist, or to an anchor it lacks."""
    wrong = []
    for target in links(page.read_text()):
        path, _, fragment = target.partition("#")
        file = (page.parent / unquote(path)).resolve() if path else page
        if not file.exists():
            wrong.append(f"{target}: no such file")
        elif fragment and (file.suffix != ".md" or fragment not in anchors(file.read_text())):
            wrong.append(f"{target}: no heading #{fragment} in {file.name}")
    return wrong


def settings_table(name: str = "settings", prefix: str = "OMS_") -> dict[str, str]:
    """Each variable of the table `name` in docs/operations.md, with its default cell."""
    text = (DOCS / "operations.md").read_text()
    table = re.search(rf"<!-- {name} -->\n(.*?)\n<!-- /{name} -->", text, re.S)
    assert table is not None, f"docs/operations.md has no <!-- {name} --> table"
    rows = {}
    for line in table.group(1).splitlines()[2:]:
        variables, default, _meaning = (cell.strip() for cell in line.strip("|").split("|", 2))
        rows.update(dict.fromkeys(re.findall(rf"`({prefix}[A-Z0-9_]+)`", variables), default))
    return rows


SETTINGS = {PREFIX + setting.name.upper(): setting.name for setting in fields(Settings)}


def test_a_heading_anchors_as_on_github__punctuation_dropped_and_repeats_numbered() -> None:
    text = "# `oms up` and its healing\n## At 25 orders/s\n## Inventory's part\n## Notes\n## Notes"

    assert anchors(text) == {
        "oms-up-and-its-healing",
        "at-25-orderss",
        "inventorys-part",
        "notes",
        "notes-1",
    }


def test_headings_and_links_in_code_are_neither_anchors_nor_links() -> None:
    text = "```sh\n# make run\ncurl '[a](b.md)'\n```\nSee `[c](d.md)` and [e](f.md#g)."

    assert (anchors(text), links(text)) == (set(), ["f.md#g"])


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert broken(page) == []


def test_every_page_of_the_docs_is_linked_from_the_readme_and_says_first_what_it_answers() -> None:
    targets = (link.partition("#")[0] for link in links(README.read_text()))
    linked = {(README.parent / target).resolve() for target in targets}

    for page in DOCS.glob("*.md"):
        assert page.resolve() in linked, f"README.md does not link {page.name}"
        first = next(line for line in page.read_text().splitlines()[1:] if line.strip())
        assert first.startswith("This page answers:"), page.name


def test_the_readme_stays_short_and_names_the_two_commands() -> None:
    text = README.read_text()

    assert len(text.splitlines()) <= 300
    assert "make run" in text and "make test" in text


def test_the_settings_table_names_every_setting_and_nothing_else() -> None:
    assert sorted(settings_table()) == sorted(SETTINGS)


@pytest.mark.parametrize("variable", sorted(SETTINGS))
def test_the_settings_table_gives_each_setting_its_default(variable: str) -> None:
    default = getattr(Settings(), SETTINGS[variable])
    cell = settings_table().get(variable, "")

    # `literal`: the default itself; (words): empty unless set, and what is used then.
    literal = re.fullmatch(r"`([^`]*)`", cell)
    if literal is None:
        assert cell.startswith("(") and default == "", f"{variable}: {cell!r}"
    else:
        assert type(default)(literal.group(1)) == default, f"{variable}: {cell!r}"


def test_the_tracing_table_names_every_opentelemetry_variable_a_worker_reads_and_no_other() -> None:
    assert sorted(settings_table("tracing", "OTEL_")) == sorted(tracing.VARIABLES)


def test_every_otel_variable_the_docs_name_is_one_a_worker_reads() -> None:
    named = {name for page in PAGES for name in re.findall(r"\bOTEL_[A-Z0-9_]+", page.read_text())}
    # The collector's own: where it sends the traces (docker/otel-collector.yaml).
    assert named - tracing.VARIABLES <= {"OTEL_TRACES_BACKEND"}


def test_every_oms_variable_the_docs_name_is_a_setting_or_one_the_oms_commands_read() -> None:
    known = set(SETTINGS) | CLI_VARIABLES
    named = {name for page in PAGES for name in re.findall(r"\bOMS_[A-Z0-9_]+", page.read_text())}

    # `OMS_BROKER_*` names a family: some variable must begin so.
    unknown = {
        name
        for name in named - known
        if not (name.endswith("_") and any(variable.startswith(name) for variable in known))
    }
    assert unknown == set()
    assert named >= CLI_VARIABLES
