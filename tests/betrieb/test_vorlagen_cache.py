"""JINJA_BYTECODE_CACHE (README "Konfiguration"): compiled templates kept on disk, so that a new process loads them
instead of compiling every template again on its first use."""

from __future__ import annotations

import jinja2
import pytest

from beteiligung import create_app

TEMPLATES = ["base.html", "auth/login.html", "macros.html"]


def _app(tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'leer.sqlite'}",
            **config,
        }
    )


def _code(template) -> bytes:
    return template.root_render_func.__code__.co_code


def test_a_second_process_loads_the_compiled_templates_instead_of_compiling(tmp_path, monkeypatch):
    folder = tmp_path / "vorlagen"
    first = _app(tmp_path, JINJA_BYTECODE_CACHE=str(folder))
    compiled = {name: _code(first.jinja_env.get_template(name)) for name in TEMPLATES}
    assert len(list(folder.iterdir())) == len(TEMPLATES)

    # a new app (as in a new process) with the same folder: not one template is compiled, and the code is the same
    def no_compiling(*args, **kwargs):
        raise AssertionError("Vorlage wurde neu übersetzt statt aus dem Cache geladen")

    monkeypatch.setattr(jinja2.Environment, "compile", no_compiling)
    second = _app(tmp_path, JINJA_BYTECODE_CACHE=str(folder))
    assert {name: _code(second.jinja_env.get_template(name)) for name in TEMPLATES} == compiled


def test_without_the_setting_every_app_compiles(tmp_path, monkeypatch):
    monkeypatch.delenv("JINJA_BYTECODE_CACHE", raising=False)  # the test run sets it (tests/conftest.py)
    app = _app(tmp_path)
    assert app.config["JINJA_BYTECODE_CACHE"] == ""
    assert app.jinja_env.bytecode_cache is None
    calls = []
    compile_ = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda *a, **k: calls.append(1) or compile_(*a, **k))
    app.jinja_env.get_template("auth/login.html")
    assert calls
    with pytest.raises(jinja2.TemplateNotFound):
        app.jinja_env.get_template("gibt/es-nicht.html")
