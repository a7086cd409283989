"""``/v1/users/{user_id}``: the interest profile, removed tags, settings, erasure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from whyrec.serve.deps import ServiceDep, UserAccess, UserIdPath
from whyrec.serve.schemas import (
    MAX_ID,
    ErasureOut,
    ErrorBody,
    ProfileOut,
    UserSettingsIn,
)
from whyrec.serve.storage import UserSettings

__all__ = ["router"]

router = APIRouter(prefix="/v1/users/{user_id}", tags=["users"])

TagPath = Annotated[str, Path(min_length=1, max_length=MAX_ID, description="``attribute=value``, e.g. "
                                                                           "``category=Comedy``.")]


@router.get("/profile", response_model=ProfileOut)
def profile(_: UserAccess, service: ServiceDep, user_id: UserIdPath) -> ProfileOut:
    """The interest tags of the history the model scores for the user, heaviest first."""
    return service.feedback.profile(user_id)


@router.delete("/profile/tags/{tag}", response_model=ProfileOut, responses={404: {"model": ErrorBody}})
def remove_tag(_: UserAccess, service: ServiceDep, user_id: UserIdPath, tag: TagPath) -> ProfileOut:
    """Remove a tag's influence: history items that carry it no longer count (idempotent)."""
    return service.feedback.remove_tag(user_id, tag)


@router.put("/profile/tags/{tag}", response_model=ProfileOut, responses={404: {"model": ErrorBody}})
def restore_tag(_: UserAccess, service: ServiceDep, user_id: UserIdPath, tag: TagPath) -> ProfileOut:
    """Undo the removal of a tag (idempotent)."""
    return service.feedback.restore_tag(user_id, tag)


@router.get("/settings", response_model=UserSettingsIn)
def get_settings(_: UserAccess, service: ServiceDep, user_id: UserIdPath) -> UserSettingsIn:
    """The user's settings (the defaults when none were stored)."""
    return UserSettingsIn(personalization=service.feedback.get_settings(user_id).personalization)


@router.put("/settings", response_model=UserSettingsIn, responses={422: {"model": ErrorBody}})
def put_settings(_: UserAccess, service: ServiceDep, user_id: UserIdPath, body: UserSettingsIn) -> UserSettingsIn:
    """Store the user's settings; ``personalization: false`` switches them to popular items."""
    stored = service.feedback.put_settings(user_id, UserSettings(personalization=body.personalization))
    return UserSettingsIn(personalization=stored.personalization)


@router.delete("", response_model=ErasureOut)
def erase(_: UserAccess, service: ServiceDep, user_id: UserIdPath) -> ErasureOut:
    """Erase the user's stored events, settings and removed tags, and say how many of each went. Their part of
    the training data stays in the served run until a run trained without it is loaded (``not_removed``)."""
    return service.feedback.erase(user_id)
