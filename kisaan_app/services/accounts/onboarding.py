"""A farmer's getting-started checklist: profile, crops, language, notifications — each done or not.

Read only: every step is worked out from what the farmer already saved, so nothing is stored for it and it can
never disagree with the pages it links to.
"""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from kisaan_app.i18n import DEFAULT_LANGUAGE
from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.notifications import NotificationPreference, PushSubscription
from kisaan_app.services.errors import NotFound

PROFILE_PAGE = "/profile"
NOTIFICATIONS_PAGE = "/settings/notifications"


@dataclass(frozen=True)
class OnboardingStep:
    key: str  # profile | crops | language | notifications (its label is `getting_started.step.<key>`)
    done: bool
    href: str  # the page where the farmer completes it


@dataclass(frozen=True)
class OnboardingChecklist:
    steps: tuple[OnboardingStep, ...]
    done_count: int

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == self.total


def checklist(session: Session, user_id: int) -> OnboardingChecklist:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found")
    farm = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == user_id)).first()
    steps = (
        # A name alone is not enough: the district or village is what puts nearby mandis and weather on screen.
        OnboardingStep(
            "profile",
            bool(user.full_name.strip()) and farm is not None and bool(farm.district or farm.village),
            PROFILE_PAGE,
        ),
        OnboardingStep("crops", farm is not None and bool(farm.crops), PROFILE_PAGE),
        OnboardingStep("language", _language_chosen(session, user), PROFILE_PAGE),
        OnboardingStep("notifications", _notifications_reviewed(session, user_id), NOTIFICATIONS_PAGE),
    )
    return OnboardingChecklist(steps, sum(s.done for s in steps))


def _language_chosen(session: Session, user: User) -> bool:
    """English is what an account gets when nobody chooses, so any other language was a choice (the sign-up
    page's or the FPO's import); English counts once the farmer has saved it on their profile."""
    if user.preferred_language != DEFAULT_LANGUAGE:
        return True
    saves = session.exec(
        select(AuditLog.details).where(
            AuditLog.action == "profile.updated",
            AuditLog.actor_id == user.id,
            AuditLog.target_type == "user",
            AuditLog.target_id == str(user.id),
        )
    )
    return any("preferred_language" in ((details or {}).get("fields") or ()) for details in saves)


def _notifications_reviewed(session: Session, user_id: int) -> bool:
    """Saved the notification settings once (preferences row), or let this app send pushes to a device."""
    saved = session.exec(select(col(NotificationPreference.id)).where(NotificationPreference.user_id == user_id))
    if saved.first() is not None:
        return True
    return session.exec(select(col(PushSubscription.id)).where(PushSubscription.user_id == user_id)).first() is not None
