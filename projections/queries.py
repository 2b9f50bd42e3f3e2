"""What the API reads: every query over the read models, returning plain dicts and lists."""

from projections.board_page import board_page
from projections.due_timers import due, timers_of
from projections.employer_dashboard import employer_dashboard, employer_gigs
from projections.gig_view import gig_detail
from projections.paging import InvalidQuery
from projections.student_portfolio import student_portfolio

__all__ = [
    "InvalidQuery",
    "board_page",
    "due",
    "employer_dashboard",
    "employer_gigs",
    "gig_detail",
    "student_portfolio",
    "timers_of",
]
