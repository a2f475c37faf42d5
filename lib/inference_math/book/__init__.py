"""What only the book's pages need: glue numbers, equations and figures in one style
(``page``), the what-if figures (``whatif_grid`` computes their grids, ``whatif_figure``
draws them), the self-checking exercises (``exercises``) and the article's errata
(``errata``). The chapters write ``from inference_math.book import glue, figure, ...``.
"""

from .page import PALETTE, figure, glue, glue_math, glue_tolerance, in_book_build, style
from .whatif_figure import whatif
