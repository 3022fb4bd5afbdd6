import pytest
from tests.e2e.conftest import log_in

@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_scratch(browser, live_server, settings, caseworker):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    ctx = browser.new_context(base_url=live_server.url)
    page = ctx.new_page()
    msgs = []
    page.on("console", lambda m: msgs.append(m.text))
    log_in(page, caseworker.username)
    page.goto("/clients/new/")
    print("ACTIVE", page.evaluate("document.activeElement.outerHTML"))
    page.keyboard.press("Tab")
    print("AFTER TAB", page.evaluate("document.activeElement.outerHTML"))
    try:
        page.add_script_tag(path="node_modules/axe-core/axe.min.js")
        print("axe?", page.evaluate("typeof window.axe"))
    except Exception as e:
        print("ADD SCRIPT FAILED", e)
    page.locator("#id_given_names").fill("Olena")
    page.locator("#id_birth_date").fill("31.02.1985")
    page.locator("main button[type=submit]").click()
    open("/tmp/intake_err.html", "w").write(page.content())
    print("ACTIVE", page.evaluate("document.activeElement.outerHTML")[:200])
    print(msgs)
