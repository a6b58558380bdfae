"""docs/models/*.md are generated from the cards: a hand edit of a page (or a card changed without
regenerating its page) fails here."""

from __future__ import annotations

import pytest

from radassist.core import models
from radassist.core.models.doc import card_markdown, package_markdown
from tests.conftest import REPO

BUNDLED = ("cxr-pneumonia", "lung-unet", "ood-gate")


@pytest.mark.parametrize("pkg", BUNDLED)
def test_committed_doc_is_what_the_card_generates(pkg):
    page = REPO / "docs" / "models" / f"{pkg}.md"
    assert page.read_text(encoding="utf-8") == package_markdown(models.bundled_dir() / pkg), (
        f"{page} differs from its card: edit the card and run "
        f"`python -m radassist models doc {pkg} --out docs/models/{pkg}.md`")


def test_page_carries_outputs_changelog_exporter_and_notes():
    card = models.read_card(models.bundled_dir() / "cxr-pneumonia")
    page = card_markdown(card)
    assert "| output | `cam` | (N, 7, 7, L) | float32 |" in page
    assert f"- **{card.version}**" in page and "TensorFlow 2.21.0" in page
    assert "Backbone comparison" in page  # notes_md: the hand-written sections now live in the card
    assert "## Validation" in page  # without the package's report, a short table from the card's metrics
