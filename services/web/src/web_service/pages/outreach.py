"""The outreach team's pages (decision 0056): the team board (courses by their nearest deadline, the overdue first)
and one course with its steps and deadlines, in the words of seed 002."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from web_service.web import Staff

router = APIRouter()


@router.get("/fremskudt")
async def board(ctx: Staff) -> Response:
    mine = ctx.request.query_params.get("mine") == "1"
    answer = await ctx.api.get("/outreach/board", mine="true" if mine else None)
    courses = answer.data if isinstance(answer.data, list) else []
    return ctx.render("outreach_board.html", courses=courses, mine=mine)


@router.get("/fremskudt/forloeb/{course_id}")
async def course(ctx: Staff, course_id: str) -> Response:
    found = (await ctx.api.get(f"/outreach/courses/{course_id}")).data
    return ctx.render("outreach_course.html", course=found)


__all__ = ["router"]
