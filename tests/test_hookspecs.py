"""The hookspecs: documented, taking a ``register`` callback, and enforced by pluggy."""

import inspect

import pluggy
import pytest

from dlbench import hookimpl, hookspecs


def _specs():
    return [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, "dlbench_spec")]


def test_every_hook_has_a_docstring_and_a_register_argument():
    specs = _specs()
    assert {f.__name__ for f in specs} == {"register_models", "register_tasks", "register_task_sources"}
    for spec in specs:
        assert spec.__doc__ and len(spec.__doc__.strip()) > 20, spec.__name__
        assert list(inspect.signature(spec).parameters) == ["register"]


def test_hookimpl_is_importable_from_the_package():
    assert isinstance(hookimpl, pluggy.HookimplMarker)
    assert hookimpl.project_name == "dlbench"


def test_misspelt_hook_is_caught(pm):
    class Misspelt:
        @hookimpl
        def register_modles(self, register):
            pass

    pm.register(Misspelt(), name="misspelt")
    with pytest.raises(pluggy.PluginValidationError, match="register_modles"):
        pm.check_pending()
    pm.unregister(name="misspelt")
