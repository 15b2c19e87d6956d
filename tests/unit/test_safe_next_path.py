"""`next=` after login goes only to a path on this site; the login page and the API share the one rule."""

import pytest

from kisaan_app.services.accounts.security import safe_next_path


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil",
        "/%09/evil",
        "//evil",
        "https://evil",
        "/\t/evil",
        "/\n/evil",
        "/%0a/evil",
        "/%2F/evil",
        "/%5Cevil",
        "\\\\evil",
        "javascript:alert(1)",
        "evil.example/x",
        "",
        None,
        "/" + "a" * 600,
    ],
)
def test_off_site_targets_fall_back_to_home(target):
    assert safe_next_path(target) == "/"


@pytest.mark.parametrize("target", ["/", "/market", "/market/listing?id=7", "/payments/view?receipt=R 1", "/a%20b"])
def test_paths_on_this_site_are_kept(target):
    assert safe_next_path(target) == target


def test_the_login_page_uses_the_same_rule():
    from kisaan_app.state import auth

    assert auth.safe_next_path is safe_next_path
    assert not hasattr(auth, "_safe_next")
