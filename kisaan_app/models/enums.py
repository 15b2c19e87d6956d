"""String enums shared by models, services and pages."""

from enum import StrEnum


class Role(StrEnum):
    FARMER = "farmer"
    BUYER = "buyer"
    ORG_ADMIN = "org_admin"
    ADMIN = "admin"


class Language(StrEnum):
    EN = "en"
    HI = "hi"


SELF_SIGNUP_ROLES = (Role.FARMER, Role.BUYER)
