"""Small builders for test data, going through the real services (so rules apply as in production)."""

import itertools

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import Organization, User
from kisaan_app.services import accounts
from kisaan_app.services.accounts import membership
from kisaan_app.services.context import RequestMeta

PASSWORD = "correct-horse-42"
_phones = itertools.count(9811100000)
META = RequestMeta(ip="10.0.0.1", user_agent="pytest")


def next_phone() -> str:
    return f"+91{next(_phones)}"


def make_org(name: str, district: str = "Nashik") -> int:
    with session_scope() as session:
        org = Organization(name=name, district=district, state="Maharashtra")
        session.add(org)
        session.flush()
        return org.id


def make_user(
    role: str = "farmer",
    *,
    org_id: int | None = None,
    district: str | None = None,
    name: str = "Test Person",
    password: str = PASSWORD,
    phone: str | None = None,
) -> User:
    with session_scope() as session:
        user = accounts.register(
            session,
            accounts.Registration(
                full_name=name,
                password=password,
                role="buyer" if role == "buyer" else "farmer",
                phone=phone or next_phone(),
                district=district,
            ),
            META,
        )
        if org_id is not None:  # placed directly, as the demo seed or a platform admin does
            membership.assign(session, user, org_id)
        user.role = role
        session.add(user)
        session.flush()
        session.refresh(user)
        return user


def token_for(user: User, password: str = PASSWORD) -> str:
    with session_scope() as session:
        token, _ = accounts.login(session, user.phone, password, "api", RequestMeta(ip=f"10.9.{user.id % 250}.1"))
        return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
