"""A performance review as a PDF an HR or finance person files: company, rep, manager,
period, the goals with their figures and ratings, the texts, the acknowledgement, and when
the document was generated.

Written with fpdf2 (pure Python, no system libraries). The text is set in a Unicode
TrueType font when one is found (``QUOTAFLOW_PDF_FONT``, else DejaVu Sans, Liberation Sans,
Noto Sans or Arial where the system keeps them), so names in Latin Extended, Greek or
Cyrillic print as written; a character that font lacks is written as its base letter or
"?". With no such font, fpdf2's built-in Helvetica covers Latin-1 only and the same
replacement applies to everything outside it (:func:`latin1`), so a document is always
produced (see docs/reviews.md).
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Callable, Container
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from quotaflow.accounts.models import User
from quotaflow.feedback.models import RATING_LABELS, Review
from quotaflow.plans.queries import person_for

#: Typographic characters Helvetica's Latin-1 lacks, and what stands in for them.
_PLAIN = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "÷": "/",
        "→": "->",
        "•": "-",
    }
)


#: Where systems keep a sans-serif TrueType font with wide coverage: (regular, bold).
_SYSTEM_FONTS = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("/Library/Fonts/Arial Unicode.ttf", "Arial Unicode.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "Arial Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "arialbd.ttf"),
)  # fmt: skip


def _plain_character(character: str, shown: Container[int]) -> str:
    if ord(character) in shown:
        return character
    base = unicodedata.normalize("NFKD", character)[:1]
    return base if base and ord(base) < 128 else "?"


def latin1(text: str) -> str:
    """``text`` in the characters the PDF's built-in font can show: Latin-1 as it is, a
    letter with an accent outside it as its base letter (Ō → O), anything else as "?"."""
    return "".join(_plain_character(c, range(256)) for c in text.translate(_PLAIN))


@functools.cache
def unicode_font() -> tuple[Path, Path] | None:
    """The TrueType font (regular, bold) the document is set in: ``QUOTAFLOW_PDF_FONT``
    (with a ``-Bold`` file beside it, else the regular one for both) if it is set, else the
    first system font found, else None (the built-in Helvetica)."""
    configured = settings.QUOTAFLOW_PDF_FONT
    if configured:
        regular = Path(configured)
        bold = regular.with_name(f"{regular.stem}-Bold{regular.suffix}")
        return regular, bold if bold.is_file() else regular
    for regular_name, bold_name in _SYSTEM_FONTS:
        regular = Path(regular_name)
        if regular.is_file():
            bold = regular.with_name(bold_name)
            return regular, bold if bold.is_file() else regular
    return None


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    return timezone.localtime(moment).strftime("%d %b %Y %H:%M")


def display_name(user: User | None) -> str:
    """A login as people know it: its person's name, else the user's name or username."""
    if user is None:
        return "-"
    person = person_for(user)
    return person.full_name if person is not None else user.get_full_name() or user.username


def _rating(value: int | None) -> str:
    return "-" if value is None else f"{value} - {RATING_LABELS[value]}"


class _Document(FPDF):
    def __init__(self, generated: str) -> None:
        super().__init__(format="A4")
        self.generated = generated
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(16, 16, 16)
        font = unicode_font()
        self.family = "Helvetica"
        self.shown: Callable[[str], str] = latin1
        if font is not None:
            self.add_font("body", "", str(font[0]))
            self.add_font("body", "B", str(font[1]))
            self.family = "body"
            body = self.fonts["body"]
            covered: Container[int] = body.cmap if isinstance(body, TTFFont) else range(256)
            self.shown = lambda text: "".join(_plain_character(c, covered) for c in text)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.cell(
            0,
            5,
            self.shown(f"Generated {self.generated} by Quotaflow - page {self.page_no()}"),
            align="C",
        )

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(self.family, "B", 12)
        self.cell(0, 7, self.shown(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, size=10)

    def line_of(self, label: str, value: str) -> None:
        self.set_font(self.family, "B", 10)
        self.cell(45, 6, self.shown(label))
        self.set_font(self.family, size=10)
        self.multi_cell(0, 6, self.shown(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def prose(self, text: str) -> None:
        self.set_font(self.family, size=10)
        self.multi_cell(0, 5, self.shown(text or "-"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, header: list[str], rows: list[list[str]], widths: list[int]) -> None:
        """A table whose first row is its header; long cells wrap."""
        self.set_font(self.family, size=9)
        with self.table(col_widths=tuple(widths), line_height=5, text_align="LEFT") as table:
            for cells in [header, *rows]:
                line = table.row()
                for text in cells:
                    line.cell(self.shown(text))
        self.ln(2)


def _goal_rows(review: Review) -> list[list[str]]:
    rows = []
    for goal in review.snapshot.get("goals", []):
        rating = review.goal_ratings.get(str(goal["id"]))
        rows.append(
            [
                f"{goal['metric']} ({goal['period_label']})",
                goal["target_text"],
                goal["actual_text"],
                goal["attainment_text"],
                goal["pacing_text"],
                str(goal.get("smart", {}).get("worst", "-")),
                "-" if rating is None else str(rating),
            ]
        )
    return rows


def _drivers(document: _Document, drivers: dict[str, Any]) -> None:
    document.heading("Compared with the team")
    document.prose(drivers.get("team_explanation", ""))
    rows = [
        [drivers[key]["label"], drivers[key]["rep"]["text"], drivers[key]["team"]["text"]]
        for key in ("win_rate", "average_deal_size", "conversion")
    ]
    document.grid(["Figure", "Rep", "Team"], rows, [70, 55, 53])


def review_pdf(review: Review) -> bytes:
    """The review as a PDF document (bytes)."""
    snapshot = review.snapshot
    reviewer = display_name(review.reviewer)
    document = _Document(_when(timezone.now()))
    document.set_title(
        document.shown(f"Performance review - {review.person.full_name} - {review.period_label}")
    )
    document.add_page()
    document.set_font(document.family, "B", 16)
    document.cell(0, 10, document.shown("Performance review"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_font(document.family, size=10)
    document.line_of("Company", snapshot.get("company", ""))
    document.line_of("Rep", f"{review.person.full_name} ({review.person.external_id})")
    document.line_of("Manager", reviewer)
    document.line_of(
        "Period",
        f"{review.period_label}: {review.period_start:%d %b %Y} - {review.period_end:%d %b %Y}",
    )
    document.line_of("Status", review.get_status_display())
    document.line_of(
        "Figures as of", f"{snapshot.get('as_of', '')} (assembled {_when(review.assembled_at)})"
    )
    document.heading("Goals")
    document.grid(
        ["Goal", "Target", "Actual", "Attainment", "Pacing", "SMART", "Rating"],
        _goal_rows(review),
        [52, 30, 30, 20, 18, 14, 14],
    )
    document.prose(
        "Attainment = actual / target; pacing = actual / expected to date. Ratings: "
        + "; ".join(f"{score} {label}" for score, label in RATING_LABELS.items())
        + "."
    )
    _drivers(document, snapshot.get("drivers", {}))
    document.heading("Overall rating")
    document.prose(_rating(review.overall_rating))
    for title, text in (
        ("Strengths", review.strengths),
        ("Areas to improve", review.improvements),
        ("Agreed actions", review.agreed_actions),
        ("Self-assessment by the rep", review.self_assessment),
    ):
        document.heading(title)
        document.prose(text)
    document.heading("Acknowledgement")
    document.line_of("Shared with the rep", _when(review.shared_at))
    document.line_of("Finalised", _when(review.finalised_at))
    document.line_of("Acknowledged by the rep", _when(review.acknowledged_at))
    return bytes(document.output())
