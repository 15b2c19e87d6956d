"""The route table is the app's page list, and every page title is translated."""

import json

from kisaan_app.i18n import catalogues
from kisaan_app.routes import ROUTES


def test_every_route_is_registered_once_with_its_title_and_on_load():
    from kisaan_app.kisaan_app import app

    paths = [r.path for r in ROUTES]
    assert len(paths) == len(set(paths)), "a route appears twice in the table"
    pages = app._unevaluated_pages
    assert len(pages) == len(ROUTES)
    for route in ROUTES:
        page = pages["index" if route.path == "/" else route.path.strip("/")]
        assert page.component is route.page
        assert page.on_load == route.on_load
        # A Var that picks the reader's language in the browser (components/i18n.tr), not a fixed str.
        title = str(page.title)
        assert "kisaanLang" in title, route.path
        assert json.dumps(catalogues()["en"][route.title_key], ensure_ascii=False) in title, route.path


def test_every_page_title_is_in_every_catalogue_and_translated():
    english = catalogues()["en"]
    for route in ROUTES:
        assert route.title_key.startswith("page_title.")
        for code, cat in catalogues().items():
            assert cat.get(route.title_key), (code, route.title_key)
        assert catalogues()["hi"][route.title_key] != english[route.title_key], route.title_key
    unused = {k for k in english if k.startswith("page_title.")} - {r.title_key for r in ROUTES}
    assert not unused, unused
