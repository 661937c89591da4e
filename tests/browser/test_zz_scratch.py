import os, json
import pytest
from tests.browser.helpers import login
from tests.browser.test_gesehen import CHECK_JS
pytestmark = pytest.mark.browser

DBG = """() => { const out=[]; for (const el of document.body.querySelectorAll('*')) { const r=el.getBoundingClientRect();
 if (r.right > window.innerWidth+1) out.push(el.tagName+'.'+(typeof el.className==='string'?el.className:'')+' '+Math.round(r.left)+'-'+Math.round(r.right)+' pos='+getComputedStyle(el).position+' ox='+getComputedStyle(el).overflowX);} return out.slice(0,40); }"""

def test_scratch(browser, live_server):
    email = os.environ.get("ROLE", "admin@lindenau.example")
    ctx = browser.new_context(viewport={"width": int(os.environ.get("W", "375")), "height": 900})
    page = ctx.new_page()
    if email != "none":
        login(page, live_server, email)
    for url in os.environ["URLS"].split():
        page.goto(live_server.url + url)
        print("==", url, json.dumps(page.evaluate(CHECK_JS), ensure_ascii=False))
        if os.environ.get("DBG2"):
            print("\n".join(page.evaluate(open("/tmp/dbg2.js").read())))
        if os.environ.get("DBG"):
            print("\n".join(page.evaluate(DBG)))
        page.screenshot(path="/tmp/scratch-" + url.strip("/").replace("/", "_") + ".png", full_page=True)
    ctx.close()
