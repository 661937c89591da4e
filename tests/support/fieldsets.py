"""Check KERN fieldset markup: every `.kern-fieldset` has its legend and a `.kern-fieldset__body` wrapper."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[dict] = []
        self.fieldsets: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        node = {"tag": tag, "classes": classes, "children": []}
        if self.stack:
            self.stack[-1]["children"].append(node)
        if tag == "fieldset" and "kern-fieldset" in classes:
            self.fieldsets.append(node)
        self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                return


def kern_fieldsets(html: str) -> list[dict]:
    p = _Parser()
    p.feed(html)
    return p.fieldsets


def assert_kern_fieldsets(html: str, minimum: int = 1) -> None:
    """Every KERN fieldset: first child `legend`, and a direct child `div.kern-fieldset__body` holding the fields."""
    found = kern_fieldsets(html)
    assert len(found) >= minimum, f"expected at least {minimum} KERN fieldsets, found {len(found)}"
    for fs in found:
        kids = fs["children"]
        assert kids and kids[0]["tag"] == "legend", "legend must be the first child of the fieldset"
        bodies = [k for k in kids if k["tag"] == "div" and "kern-fieldset__body" in k["classes"]]
        assert len(bodies) == 1, "fieldset without the KERN body wrapper (kern-fieldset__body)"
        assert bodies[0]["children"], "empty fieldset body"
