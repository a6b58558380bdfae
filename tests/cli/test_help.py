"""``--help`` of every command reads as plain text: the module docstrings lose their reST markup."""

from __future__ import annotations

import re

import pytest

from radassist.cli import COMMANDS, main
from radassist.cli._common import plain_text

MARKUP = re.compile(r"``|:[a-z]+:`|(?<!\w)`\w|(?<!\w)\*\*\w")  # not 2**levels


def test_plain_text_removes_the_markup_docstrings_use():
    doc = """``radassist x FILE``: see :func:`core.read` and `Window`; **never** *twice*.

    Example::

      radassist x a.dcm
    """
    assert plain_text(doc) == ("radassist x FILE: see core.read and Window; never twice.\n\nExample:\n\n"
                               "  radassist x a.dcm")
    assert plain_text("files matching **/*.dcm and 2 * 3") == "files matching **/*.dcm and 2 * 3"


@pytest.mark.parametrize("command", [c.replace("_", "-") for c in COMMANDS])
def test_help_has_no_raw_markup(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: radassist " + command)
    assert not MARKUP.search(text), MARKUP.search(text)


def test_help_keeps_paragraphs_and_examples(capsys):
    with pytest.raises(SystemExit):
        main(["models", "--help"])
    assert "radassist models verify|list" in capsys.readouterr().out  # the docstring, without backticks
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    out = capsys.readouterr().out
    assert "\n\nWith --json one JSON object" in out  # the second paragraph stays a paragraph
